#include "bench/ingest_bench.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/strings.h"
#include "http/client.h"

#include "bench/bench_server.h"
#include "bench/load_generator.h"
#include "bench/realistic_readings.h"
#include "bench/sqlite_baseline.h"

namespace metrify::bench {

namespace {

uint64_t CountSegments(const std::string& engine_dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(engine_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    n += it->path().extension() == ".seg";
  }
  return n;
}

// A value of an unlabelled series in the server's /metrics, or nullopt.
struct ServerRun {
  double seconds = 0, validated_seconds = 0, peak_rss_mb = 0, overlay_rows = 0, findings = 0;
  uint64_t retries = 0, data_bytes = 0, engine_bytes = 0, segments = 0;
};

// One server in `dir`: registers the meters, sends the bodies, waits for
// validation, stops the server and measures its data directory.
Result<ServerRun> RunServer(const IngestBenchOptions& o, const std::string& dir, bool vee,
                            bool alerts, const std::vector<std::string>& bodies, size_t readings) {
  BenchServer server(dir, {{"METRIFY_STORAGE_HEAD_MEMORY_BYTES", o.head_memory},
                           {"METRIFY_VEE_ENABLED", vee ? "true" : "false"},
                           {"METRIFY_ALERTS_ENABLED", alerts ? "true" : "false"}});
  std::filesystem::create_directories(dir);
  METRIFY_RETURN_IF_ERROR(server.Start());
  METRIFY_RETURN_IF_ERROR(RegisterMeters(server.url(), 0, o.meters));
  const auto started = std::chrono::steady_clock::now();
  METRIFY_ASSIGN_OR_RETURN(SendStats sent,
                           SendBatches(server.url(), bodies, o.connections, o.batch));
  if (sent.accepted != readings) {
    return Status::Internal("the server accepted " + std::to_string(sent.accepted) + " of " +
                            std::to_string(readings) + " readings");
  }
  ServerRun run;
  run.seconds = sent.seconds;
  METRIFY_ASSIGN_OR_RETURN(run.validated_seconds, WaitForValidation(server.url(), started));
  run.validated_seconds = std::max(run.validated_seconds, run.seconds);
  METRIFY_ASSIGN_OR_RETURN(std::optional<double> overlay,
                           ScrapeMetric(server.url(), "metrify_vee_overlay_rows_total"));
  run.overlay_rows = overlay.value_or(0);
  METRIFY_ASSIGN_OR_RETURN(std::optional<double> findings,
                           ScrapeMetric(server.url(), "metrify_alert_findings_total"));
  run.findings = findings.value_or(0);
  run.retries = sent.retries;
  run.peak_rss_mb = server.PeakRssMb();
  METRIFY_RETURN_IF_ERROR(server.Stop());
  run.data_bytes = DirectoryBytes(server.data_dir());
  run.engine_bytes = DirectoryBytes(server.data_dir() + "/engine");
  run.segments = CountSegments(server.data_dir() + "/engine");
  return run;
}

}  // namespace

Result<IngestBenchResult> RunIngestBench(const IngestBenchOptions& o) {
  LoadSpec spec;
  spec.meters = o.meters;
  spec.start_ms = kStartMs;
  spec.slots = o.days * kSlotsPerDay;
  spec.batch = o.batch;
  size_t readings = 0;
  const std::vector<std::string> bodies = BuildBatches(spec, &readings);

  IngestBenchResult result;
  result.readings = readings;
  const double n = static_cast<double>(readings);
  if (o.vee_baseline) {
    METRIFY_ASSIGN_OR_RETURN(
        ServerRun plain, RunServer(o, o.dir + "/server-no-vee", false, o.alerts, bodies, readings));
    result.no_vee_readings_per_s = n / plain.seconds;
    result.no_vee_bytes_per_reading = static_cast<double>(plain.data_bytes) / n;
  }
  if (o.detect_baseline) {
    METRIFY_ASSIGN_OR_RETURN(
        ServerRun plain, RunServer(o, o.dir + "/server-no-detect", o.vee, false, bodies, readings));
    result.no_detect_readings_per_s = n / plain.seconds;
    result.no_detect_done_per_s = n / plain.validated_seconds;
  }
  METRIFY_ASSIGN_OR_RETURN(ServerRun run,
                           RunServer(o, o.dir + "/server", o.vee, o.alerts, bodies, readings));
  result.findings = run.findings;
  result.seconds = run.seconds;
  result.readings_per_s = n / run.seconds;
  result.validated_seconds = run.validated_seconds;
  result.validated_per_s = n / run.validated_seconds;
  result.overlay_rows = run.overlay_rows;
  result.retries = run.retries;
  result.peak_rss_mb = run.peak_rss_mb;
  result.bytes_per_reading = static_cast<double>(run.data_bytes) / n;
  result.engine_bytes_per_reading = static_cast<double>(run.engine_bytes) / n;
  result.segments = run.segments;

  if (o.baseline) {
    METRIFY_ASSIGN_OR_RETURN(BaselineResult base,
                             RunSqliteBaseline(o.dir + "/sqlite-baseline.db", bodies));
    result.sqlite_readings_per_s = static_cast<double>(base.rows) / base.seconds;
    result.sqlite_bytes_per_reading =
        static_cast<double>(base.bytes) / static_cast<double>(base.rows);
  }
  return result;
}

}  // namespace metrify::bench
