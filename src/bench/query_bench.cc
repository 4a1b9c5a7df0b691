#include "bench/query_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/bench_server.h"
#include "bench/load_generator.h"
#include "bench/realistic_readings.h"
#include "http/client.h"

namespace metrify::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kDayMs = 86'400'000;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[at];
}

// GET `target`, failing unless 200; returns the elapsed milliseconds.
Result<double> TimedGet(http::HttpClient& client, const std::string& target) {
  const auto start = Clock::now();
  METRIFY_ASSIGN_OR_RETURN(http::ClientResponse r, client.Send("GET", target));
  const double ms = Ms(Clock::now() - start);
  if (r.status != 200) {
    return Status::IOError(target + " answered HTTP " + std::to_string(r.status) + ": " +
                           r.body.substr(0, 200));
  }
  return ms;
}

// One Berlin local day of one meter in hourly buckets: the dashboard's
// most common question. `day` counts from the load's first day.
std::string MeterDayTarget(int meter, int day) {
  const int64_t day_start = kStartMs + day * kDayMs;  // UTC midnight of the load's day
  return fmt::format("/api/v1/smart-meters/{}/readings?start={}&end={}&interval=1h",
                     BenchMeterId(meter), day_start, day_start + kDayMs);
}

Result<double> MedianOf5(http::HttpClient& client, const std::string& target) {
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    METRIFY_ASSIGN_OR_RETURN(double ms, TimedGet(client, target));
    times.push_back(ms);
  }
  return Percentile(times, 0.5);
}

Status Load(const std::string& url, const LoadSpec& spec) {
  size_t readings = 0;
  const std::vector<std::string> bodies = BuildBatches(spec, &readings);
  return SendBatches(url, bodies, 8, spec.batch).status();
}

// Two readers offer o.query_rate meter-day queries/s while eight writers
// send o.ingest_rate readings/s of the day after the loaded ones. Both are
// paced: unpaced readers would take the CPU the ingest rate needs, and the
// question is whether the server holds both rates at once.
Status QueriesWhileIngesting(const std::string& url, const QueryBenchOptions& o,
                             QueryBenchResult* result) {
  LoadSpec spec;
  spec.meters = o.meters;
  spec.start_ms = kStartMs + o.days * kDayMs;
  spec.slots = kSlotsPerDay;
  size_t readings = 0;
  const std::vector<std::string> bodies = BuildBatches(spec, &readings);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> queries{0};
  Status reader_error;
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      auto client = http::HttpClient::Connect(url);
      if (!client) return;
      std::mt19937 rng(r);
      const auto begin = Clock::now();
      for (uint64_t n = 0; !stop; ++n) {
        // Reader r sends queries r, r + 2, r + 4, ... of the paced schedule.
        std::this_thread::sleep_until(
            begin + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>((2.0 * n + r) / o.query_rate)));
        auto ms = TimedGet(**client, MeterDayTarget(static_cast<int>(rng() % o.meters),
                                                    static_cast<int>(rng() % o.days)));
        if (!ms) {
          reader_error = ms.error();
          return;
        }
        queries.fetch_add(1);
      }
    });
  }
  const auto start = Clock::now();
  Result<SendStats> sent = SendBatches(url, bodies, 8, 1000, o.ingest_rate);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (auto& t : readers) t.join();
  METRIFY_RETURN_IF_ERROR(sent.status());
  METRIFY_RETURN_IF_ERROR(reader_error);
  result->queries_per_s_while_ingesting = static_cast<double>(queries) / seconds;
  result->ingest_readings_per_s_during_queries = static_cast<double>(sent->accepted) / seconds;
  return Status::Ok();
}

}  // namespace

Result<QueryBenchResult> RunQueryBench(const QueryBenchOptions& o) {
  QueryBenchResult result;
  std::filesystem::create_directories(o.dir + "/server");
  BenchServer server(o.dir + "/server");
  METRIFY_RETURN_IF_ERROR(server.Start());
  METRIFY_RETURN_IF_ERROR(RegisterMeters(server.url(), 0, o.meters));
  LoadSpec fleet;
  fleet.meters = o.meters;
  fleet.start_ms = kStartMs;
  fleet.slots = o.days * kSlotsPerDay;
  METRIFY_RETURN_IF_ERROR(Load(server.url(), fleet));
  // Queries are timed once validation has caught up with the load.
  METRIFY_RETURN_IF_ERROR(
      WaitForValidation(server.url(), std::chrono::steady_clock::now()).status());
  METRIFY_ASSIGN_OR_RETURN(auto client, http::HttpClient::Connect(server.url()));

  // The same random meter days, validated (the default) and raw.
  for (const std::string_view version : {"", "&version=raw"}) {
    std::mt19937 rng(7);
    std::vector<double> times;
    for (int i = 0; i < o.queries; ++i) {
      const std::string target =
          MeterDayTarget(static_cast<int>(rng() % o.meters), static_cast<int>(rng() % o.days)) +
          std::string(version);
      METRIFY_ASSIGN_OR_RETURN(double ms, TimedGet(*client, target));
      times.push_back(ms);
    }
    (version.empty() ? result.meter_day_hourly_p50_ms : result.meter_day_hourly_raw_p50_ms) =
        Percentile(times, 0.5);
    (version.empty() ? result.meter_day_hourly_p99_ms : result.meter_day_hourly_raw_p99_ms) =
        Percentile(times, 0.99);
  }

  // Daily energy per meter, every meter, for the first (flushed) day.
  const std::string rollup =
      fmt::format("/api/v1/analytics/consumption?start={}&end={}&interval=1d&group_by=meter&tz=UTC",
                  kStartMs, kStartMs + kDayMs);
  METRIFY_ASSIGN_OR_RETURN(result.rollup_daily_ms, MedianOf5(*client, rollup));
  METRIFY_ASSIGN_OR_RETURN(result.rollup_daily_raw_ms, MedianOf5(*client, rollup + "&version=raw"));
  METRIFY_RETURN_IF_ERROR(QueriesWhileIngesting(server.url(), o, &result));

  // The rest of the fleet: one hour of readings each, then everyone's latest.
  if (o.latest_meters > o.meters) {
    METRIFY_RETURN_IF_ERROR(RegisterMeters(server.url(), o.meters, o.latest_meters - o.meters));
    LoadSpec rest;
    rest.first_meter = o.meters;
    rest.meters = o.latest_meters - o.meters;
    rest.start_ms = kStartMs + (o.days + 1) * kDayMs;
    rest.slots = 4;
    METRIFY_RETURN_IF_ERROR(Load(server.url(), rest));
    // As for the other queries: timed once validation of the new meters has
    // caught up, not while VEE's workers share the cores with it.
    METRIFY_RETURN_IF_ERROR(
        WaitForValidation(server.url(), std::chrono::steady_clock::now()).status());
  }
  METRIFY_ASSIGN_OR_RETURN(result.latest_ms,
                           MedianOf5(*client, "/api/v1/readings/latest?fields=energy_kwh"));
  result.peak_rss_mb = server.PeakRssMb();
  METRIFY_RETURN_IF_ERROR(server.Stop());
  return result;
}

}  // namespace metrify::bench
