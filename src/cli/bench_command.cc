// `metrify bench ingest|query`: the benchmark programs of issue 3, run
// against a real `metrify serve` child with the embedded engine. Figures
// and how to reproduce them: docs/benchmarks.md.
#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include "bench/ingest_bench.h"
#include "bench/query_bench.h"
#include "cli/command.h"
#include "common/json_writer.h"

namespace metrify::cli {

namespace {

// A fresh work directory under /tmp unless --dir names one.
std::string WorkDir(const std::string& dir) {
  if (!dir.empty()) {
    std::filesystem::create_directories(dir);
    return dir;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "metrify-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    Fail(kExitInternal, "cannot create a work directory in /tmp");
  return pattern;
}

void Print(const std::vector<std::pair<std::string, double>>& figures, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject();
    for (const auto& [name, value] : figures) w.Key(name).Number(value);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  for (const auto& [name, value] : figures) std::cout << name << ": " << value << "\n";
}

void RunIngest(const bench::IngestBenchOptions& options, bool json, bool keep) {
  bench::IngestBenchOptions o = options;
  o.dir = WorkDir(o.dir);
  if (!json) std::cerr << "bench ingest: work directory " << o.dir << "\n";
  Result<bench::IngestBenchResult> r = bench::RunIngestBench(o);
  if (!keep) std::filesystem::remove_all(o.dir);
  FailIfError(r.status());
  Print({{"meters", o.meters},
         {"days", o.days},
         {"readings", static_cast<double>(r->readings)},
         {"seconds", r->seconds},
         {"readings_per_s", r->readings_per_s},
         {"validated_seconds", r->validated_seconds},
         {"validated_per_s", r->validated_per_s},
         {"overlay_rows", r->overlay_rows},
         {"no_vee_readings_per_s", r->no_vee_readings_per_s},
         {"no_vee_bytes_per_reading", r->no_vee_bytes_per_reading},
         {"no_detect_readings_per_s", r->no_detect_readings_per_s},
         {"no_detect_done_per_s", r->no_detect_done_per_s},
         {"findings", r->findings},
         {"bytes_per_reading", r->bytes_per_reading},
         {"engine_bytes_per_reading", r->engine_bytes_per_reading},
         {"segments", static_cast<double>(r->segments)},
         {"backpressure_retries", static_cast<double>(r->retries)},
         {"peak_rss_mb", r->peak_rss_mb},
         {"sqlite_readings_per_s", r->sqlite_readings_per_s},
         {"sqlite_bytes_per_reading", r->sqlite_bytes_per_reading}},
        json);
}

void RunQuery(const bench::QueryBenchOptions& options, bool json, bool keep) {
  bench::QueryBenchOptions o = options;
  o.dir = WorkDir(o.dir);
  if (!json) std::cerr << "bench query: work directory " << o.dir << "\n";
  Result<bench::QueryBenchResult> r = bench::RunQueryBench(o);
  if (!keep) std::filesystem::remove_all(o.dir);
  FailIfError(r.status());
  Print({{"meters", o.meters},
         {"days", o.days},
         {"latest_meters", o.latest_meters},
         {"meter_day_hourly_p50_ms", r->meter_day_hourly_p50_ms},
         {"meter_day_hourly_p99_ms", r->meter_day_hourly_p99_ms},
         {"meter_day_hourly_raw_p50_ms", r->meter_day_hourly_raw_p50_ms},
         {"meter_day_hourly_raw_p99_ms", r->meter_day_hourly_raw_p99_ms},
         {"rollup_daily_10k_ms", r->rollup_daily_ms},
         {"rollup_daily_10k_raw_ms", r->rollup_daily_raw_ms},
         {"latest_100k_ms", r->latest_ms},
         {"queries_per_s_while_ingesting", r->queries_per_s_while_ingesting},
         {"ingest_readings_per_s_during_queries", r->ingest_readings_per_s_during_queries},
         {"peak_rss_mb", r->peak_rss_mb}},
        json);
}

}  // namespace

void AddBenchCommand(CLI::App& app) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Benchmarks against a real server started for the run (docs/benchmarks.md)");
  bench->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  auto keep = std::make_shared<bool>(false);

  auto ingest = std::make_shared<bench::IngestBenchOptions>();
  CLI::App* in = bench->add_subcommand(
      "ingest",
      "Realistic quarter-hour readings over loopback HTTP in JSON batches; reports durable "
      "readings/s, bytes per reading on disk and the server's peak RSS, with a SQLite baseline "
      "on the same readings.\nExample: metrify bench ingest --meters 10000 --days 7 --json");
  in->add_option("--meters", ingest->meters, "Meters")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  in->add_option("--days", ingest->days, "Days of quarter-hour readings per meter")
      ->capture_default_str()
      ->check(CLI::Range(1, 3660));
  in->add_option("--connections", ingest->connections, "Concurrent HTTP clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  in->add_option("--batch", ingest->batch, "Readings per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  in->add_option("--head-memory", ingest->head_memory, "The server's storage.head_memory_bytes")
      ->capture_default_str();
  in->add_flag(
      "--no-baseline", [ingest](int64_t) { ingest->baseline = false; }, "Skip the SQLite baseline");
  in->add_flag(
      "--no-vee", [ingest](int64_t) { ingest->vee = false; }, "Run the server with validation off");
  in->add_flag(
      "--vee-baseline", [ingest](int64_t) { ingest->vee_baseline = true; },
      "Also run the server with validation off first: what VEE costs, in the same run");
  in->add_flag(
      "--no-alerts", [ingest](int64_t) { ingest->alerts = false; },
      "Run the server with detection and alerts off");
  in->add_flag(
      "--detect-baseline", [ingest](int64_t) { ingest->detect_baseline = true; },
      "Also run the server with detection off first: what detection costs, in the same run");
  in->add_option("--dir", ingest->dir, "Work directory (default: a new one under /tmp)");
  in->add_flag("--keep", *keep, "Keep the work directory");
  in->add_flag("--json", *json, "Print the figures as one JSON object");
  in->callback([ingest, json, keep] { RunIngest(*ingest, *json, *keep); });

  auto query = std::make_shared<bench::QueryBenchOptions>();
  CLI::App* q = bench->add_subcommand(
      "query",
      "Loads a fleet, then times one meter's day in hours (p50/p99), daily energy of every "
      "meter from raw, the latest reading of the whole fleet, and queries/s while ingesting."
      "\nExample: metrify bench query --json");
  q->add_option("--meters", query->meters, "Meters with full days of readings")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  q->add_option("--days", query->days, "Days of readings per meter")
      ->capture_default_str()
      ->check(CLI::Range(1, 366));
  q->add_option("--latest-meters", query->latest_meters,
                "Meters in the fleet for the latest-reading query")
      ->capture_default_str();
  q->add_option("--queries", query->queries, "Meter-day queries timed for p50/p99")
      ->capture_default_str();
  q->add_option("--ingest-rate", query->ingest_rate, "Readings/s sent while measuring queries/s")
      ->capture_default_str();
  q->add_option("--query-rate", query->query_rate,
                "Meter-day queries/s offered while ingesting (paced)")
      ->capture_default_str();
  q->add_option("--dir", query->dir, "Work directory (default: a new one under /tmp)");
  q->add_flag("--keep", *keep, "Keep the work directory");
  q->add_flag("--json", *json, "Print the figures as one JSON object");
  q->callback([query, json, keep] { RunQuery(*query, *json, *keep); });
}

}  // namespace metrify::cli
