// `metrify bench ingest|query`: the benchmark programs of issue 3, run
// against a real `metrify serve` child with the embedded engine, and
// `metrify bench ingest --mode scaled` (issue 8): scaled mode end to end
// against a plain COPY. Figures and how to reproduce them:
// docs/benchmarks.md.
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <span>

#include "bench/ingest_bench.h"
#include "bench/query_bench.h"
#include "bench/scaled_ingest_bench.h"
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

void RunScaledIngest(const bench::ScaledIngestOptions& options, bool json, bool keep) {
  bench::ScaledIngestOptions o = options;
  o.dir = WorkDir(o.dir);
  if (!json) std::cerr << "bench ingest --mode scaled: work directory " << o.dir << "\n";
  Result<bench::ScaledIngestResult> r = bench::RunScaledIngestBench(o);
  if (!r.has_value()) {
    // The servers' logs tell why; the directory stays for them.
    std::cerr << "bench ingest --mode scaled: failed; the logs are in " << o.dir << "\n";
  } else if (!keep) {
    std::filesystem::remove_all(o.dir);
  }
  FailIfError(r.status());
  const bench::PipelineCpu& cpu = r->cpu;
  Print({{"meters", o.meters},
         {"days", o.days},
         {"readings", static_cast<double>(r->readings)},
         {"workers", o.workers},
         {"order_meter", o.order == bench::ReadingOrder::kMeter ? 1 : 0},
         {"fsync", r->durable ? 1 : 0},
         {"seconds", r->seconds},
         {"readings_per_s", r->readings_per_s},
         {"validated_seconds", r->validated_seconds},
         {"validated_per_s", r->validated_per_s},
         {"ack_seconds", r->ack_seconds},
         {"ack_busy_seconds", r->ack_busy_seconds},
         {"ack_readings_per_s", r->ack_readings_per_s},
         {"max_lag", r->max_lag},
         {"stored_at_ack", static_cast<double>(r->stored_at_ack)},
         {"backpressure_retries", static_cast<double>(r->retries)},
         {"worker_batches", r->worker_batches},
         {"worker_batch_seconds", r->worker_batch_seconds},
         {"copy_first_seconds", r->copy_first_seconds},
         {"copy_second_seconds", r->copy_second_seconds},
         {"copy_readings_per_s", r->copy_readings_per_s},
         {"ratio", r->ratio},
         {"rollup_seconds", r->rollup_seconds},
         {"quality_seconds", r->quality_seconds},
         {"fleet_daily_ms", r->fleet_daily_ms},
         {"fleet_daily_raw_ms", r->fleet_daily_raw_ms},
         {"cpu_s_serve", cpu.serve},
         {"cpu_s_workers", cpu.workers},
         {"cpu_s_postgres", cpu.postgres},
         {"cpu_s_broker", cpu.broker},
         {"cpu_s_client", cpu.client},
         {"cpu_s_other",
          cpu.machine_busy - cpu.serve - cpu.workers - cpu.postgres - cpu.broker - cpu.client},
         {"machine_busy_s", cpu.machine_busy},
         {"machine_iowait_s", cpu.machine_iowait},
         {"machine_idle_s", cpu.machine_idle}},
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
  auto scaled = std::make_shared<bench::ScaledIngestOptions>();
  auto mode = std::make_shared<std::string>("embedded");
  CLI::App* in = bench->add_subcommand(
      "ingest",
      "Realistic quarter-hour readings over loopback HTTP in JSON batches; reports durable "
      "readings/s, bytes per reading on disk and the server's peak RSS, with a SQLite baseline "
      "on the same readings. With --mode scaled: scaled mode end to end (serve producing to "
      "Kafka, workers storing into PostgreSQL) until every reading is in the database, against "
      "a plain binary COPY of the same rows into the same table.\n"
      "Example: metrify bench ingest --meters 10000 --days 7 --json\n"
      "Example: metrify bench ingest --mode scaled --json");
  in->add_option("--mode", *mode,
                 "embedded: one server with the embedded engine; scaled: serve + ingest workers "
                 "on PostgreSQL and Kafka (docs/scaled.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"embedded", "scaled"}));
  in->add_option("--meters", ingest->meters, "Meters (--mode scaled: default 2000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  in->add_option("--days", ingest->days,
                 "Days of quarter-hour readings per meter (--mode scaled: default 2)")
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
      "--no-vee", [ingest](int64_t) { ingest->vee = false; },
      "Run the server (--mode scaled: the workers) with validation off");
  in->add_flag(
      "--vee-baseline", [ingest](int64_t) { ingest->vee_baseline = true; },
      "Also run the server with validation off first: what VEE costs, in the same run");
  in->add_flag(
      "--no-alerts", [ingest](int64_t) { ingest->alerts = false; },
      "Run the server with detection and alerts off");
  in->add_flag(
      "--detect-baseline", [ingest](int64_t) { ingest->detect_baseline = true; },
      "Also run the server with detection off first: what detection costs, in the same run");
  const std::string scaled_group = "Scaled mode (--mode scaled)";
  in->add_option("--workers", scaled->workers, "`metrify worker ingest` processes")
      ->group(scaled_group)
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  in->add_option("--worker-batch", scaled->worker_batch,
                 "The workers' --batch, most Kafka messages per database transaction (default: "
                 "the worker's own)")
      ->group(scaled_group)
      ->check(CLI::Range(1, 100'000));
  in->add_option("--partitions", scaled->partitions,
                 "Partitions of metrify.readings on the broker the benchmark starts")
      ->group(scaled_group)
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  in->add_option("--order", scaled->order,
                 "time: every meter's reading of a quarter hour, then the next (a head-end "
                 "forwarding its fleet); meter: each meter's readings in turn (daily load "
                 "profiles). The COPY baseline gets the rows in the same order")
      ->group(scaled_group)
      ->transform(CLI::CheckedTransformer(std::map<std::string, bench::ReadingOrder>{
          {"time", bench::ReadingOrder::kTime}, {"meter", bench::ReadingOrder::kMeter}}))
      ->default_str("time");
  in->add_option("--max-lag", scaled->max_lag,
                 "Most readings acknowledged and not yet stored before the client holds back; 0: "
                 "no limit (default: 5120 per partition with the broker the benchmark starts, "
                 "whose log keeps only 5 MiB per partition; none with --kafka-brokers)")
      ->group(scaled_group)
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}));
  in->add_option("--postgres-url", scaled->postgres_url,
                 "A PostgreSQL 15 database of yours whose readings table is empty (default: the "
                 "benchmark starts its own cluster; the table is emptied again at the end)")
      ->group(scaled_group);
  in->add_option("--kafka-brokers", scaled->kafka_brokers,
                 "A Kafka cluster of yours with new, empty metrify.* topics (default: the "
                 "benchmark starts metrify-mock-broker)")
      ->group(scaled_group);
  in->add_option("--broker-binary", scaled->broker_binary,
                 "metrify-mock-broker to start (default: the one next to this binary)")
      ->group(scaled_group);
  in->add_flag(
        "--no-fsync", [scaled](int64_t) { scaled->durable = false; },
        "Start PostgreSQL with fsync, synchronous_commit and full_page_writes off (not durable; "
        "default: on)")
      ->group(scaled_group);
  in->add_option("--pg-setting", scaled->pg_settings,
                 "NAME=VALUE: a setting of the PostgreSQL the benchmark starts (repeatable), "
                 "e.g. shared_buffers=1GB")
      ->group(scaled_group);
  in->add_flag(
        "--no-fleet-query", [scaled](int64_t) { scaled->fleet_query = false; },
        "Skip the last step: `metrify worker process` rolls up and reports what the pipeline "
        "stored, then the fleet's daily energy is asked of the API (median of 5)")
      ->group(scaled_group);
  in->add_option("--dir", ingest->dir, "Work directory (default: a new one under /tmp)");
  in->add_flag("--keep", *keep, "Keep the work directory");
  in->add_flag("--json", *json, "Print the figures as one JSON object");
  in->callback([in, ingest, scaled, mode, json, keep] {
    const char* embedded_only[] = {"--head-memory", "--no-baseline", "--vee-baseline",
                                   "--no-alerts", "--detect-baseline"};
    const char* scaled_only[] = {"--workers",       "--worker-batch",  "--partitions",
                                 "--max-lag",       "--postgres-url",  "--kafka-brokers",
                                 "--broker-binary", "--no-fsync",      "--pg-setting",
                                 "--order",         "--no-fleet-query"};
    const bool is_scaled = *mode == "scaled";
    for (const char* flag :
         is_scaled ? std::span<const char*>(embedded_only) : std::span<const char*>(scaled_only)) {
      if (in->count(flag) > 0) {
        Fail(kExitUsage, std::string(flag) + " does not apply to --mode " + *mode);
      }
    }
    if (!is_scaled) {
      RunIngest(*ingest, *json, *keep);
      return;
    }
    bench::ScaledIngestOptions o = *scaled;
    if (in->count("--meters") > 0) o.meters = ingest->meters;
    if (in->count("--days") > 0) o.days = ingest->days;
    o.connections = ingest->connections;
    o.batch = ingest->batch;
    o.vee = ingest->vee;
    o.dir = ingest->dir;
    RunScaledIngest(o, *json, *keep);
  });

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
