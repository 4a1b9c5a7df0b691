#include "bench/load_generator.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "bench/realistic_readings.h"
#include "http/client.h"

namespace metrify::bench {

namespace {

using Clock = std::chrono::steady_clock;

// The number after "accepted": in an ingest answer; -1 when absent.
int64_t CountIn(const std::string& body, std::string_view key) {
  const size_t at = body.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(body.c_str() + at + key.size(), nullptr, 10);
}

}  // namespace

std::string BenchMeterId(int index) { return fmt::format("BM{:07}", index); }

Status RegisterMeters(const std::string& url, int first, int count) {
  METRIFY_ASSIGN_OR_RETURN(auto client, http::HttpClient::Connect(url));
  constexpr int kChunk = 5000;
  for (int begin = first; begin < first + count; begin += kChunk) {
    std::string csv = "id,timezone\n";
    for (int i = begin; i < std::min(first + count, begin + kChunk); ++i) {
      csv += BenchMeterId(i) + ",Europe/Berlin\n";
    }
    METRIFY_ASSIGN_OR_RETURN(http::ClientResponse r,
                             client->Send("POST", "/api/v1/smart-meters/import?upsert=true",
                                          std::move(csv), "text/csv"));
    if (r.status != 200) {
      return Status::IOError("registering benchmark meters failed: HTTP " +
                             std::to_string(r.status) + " " + r.body.substr(0, 200));
    }
  }
  return Status::Ok();
}

std::vector<std::string> BuildBatches(const LoadSpec& spec, size_t* readings) {
  const int days = (spec.slots + kSlotsPerDay - 1) / kSlotsPerDay;
  const std::vector<Series> fleet = Generate(spec.meters, days, spec.seed);
  std::vector<std::string> ids;
  for (int m = 0; m < spec.meters; ++m) ids.push_back(BenchMeterId(spec.first_meter + m));
  std::vector<std::string> bodies;
  std::string body;
  int in_body = 0;
  *readings = 0;
  auto close_body = [&] {
    body += ']';
    bodies.push_back(std::move(body));
    body.clear();
    in_body = 0;
  };
  for (int slot = 0; slot < spec.slots; ++slot) {
    const int64_t ts = spec.start_ms + int64_t{slot} * kQuarterHourMs;
    for (int m = 0; m < spec.meters; ++m) {
      const Series& s = fleet[m];
      // The generator leaves gaps (missing readings, outages): find this
      // slot's reading, if any. Series are sorted, so search from the slot.
      const auto it = std::lower_bound(s.timestamps.begin(), s.timestamps.end(),
                                       kStartMs + int64_t{slot} * kQuarterHourMs);
      if (it == s.timestamps.end() || *it != kStartMs + int64_t{slot} * kQuarterHourMs) continue;
      const size_t i = static_cast<size_t>(it - s.timestamps.begin());
      body += in_body == 0 ? '[' : ',';
      fmt::format_to(std::back_inserter(body),
                     R"({{"meter_id":"{}","timestamp":{},"energy_kwh":{},"voltage_v":{},)"
                     R"("frequency_hz":{},"power_factor":{}}})",
                     ids[m], ts, s.energy[i], s.voltage[i], s.frequency[i], s.power_factor[i]);
      ++*readings;
      if (++in_body == spec.batch) close_body();
    }
  }
  if (in_body > 0) close_body();
  return bodies;
}

Result<SendStats> SendBatches(const std::string& url, const std::vector<std::string>& bodies,
                              int connections, size_t readings_per_batch, double max_per_s,
                              const std::atomic<bool>* stop) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> accepted{0}, rejected{0}, retries{0};
  std::mutex error_mu;
  Status error;
  const auto start = Clock::now();
  auto worker = [&] {
    auto client = http::HttpClient::Connect(url);
    if (!client) {
      std::lock_guard lock(error_mu);
      error = client.error();
      return;
    }
    for (size_t i; (i = next.fetch_add(1)) < bodies.size();) {
      if (stop != nullptr && stop->load()) return;
      if (max_per_s > 0) {
        // Batch i may leave no earlier than its share of the paced rate.
        const auto due =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        static_cast<double>(i * readings_per_batch) / max_per_s));
        std::this_thread::sleep_until(due);
      }
      for (;;) {
        auto r = (*client)->Send("POST", "/api/v1/readings", bodies[i], "application/json");
        if (r && r->status == 503) {
          retries.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        if (!r || r->status != 200) {
          std::lock_guard lock(error_mu);
          error = r ? Status::IOError("ingest answered HTTP " + std::to_string(r->status) + ": " +
                                      r->body.substr(0, 200))
                    : r.error();
          next = bodies.size();
          return;
        }
        accepted.fetch_add(
            static_cast<uint64_t>(std::max<int64_t>(0, CountIn(r->body, "\"accepted\":"))));
        rejected.fetch_add(
            static_cast<uint64_t>(std::max<int64_t>(0, CountIn(r->body, "\"rejected\":"))));
        break;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!error.ok()) return error;
  SendStats stats;
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stats.accepted = accepted;
  stats.rejected = rejected;
  stats.retries = retries;
  return stats;
}

}  // namespace metrify::bench
