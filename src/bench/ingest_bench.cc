#include "bench/ingest_bench.h"

#include <filesystem>

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
  BenchServer server(o.dir + "/server", {{"METRIFY_STORAGE_HEAD_MEMORY_BYTES", o.head_memory}});
  std::filesystem::create_directories(o.dir + "/server");
  METRIFY_RETURN_IF_ERROR(server.Start());
  METRIFY_RETURN_IF_ERROR(RegisterMeters(server.url(), 0, o.meters));
  METRIFY_ASSIGN_OR_RETURN(SendStats sent,
                           SendBatches(server.url(), bodies, o.connections, o.batch));
  if (sent.accepted != readings) {
    return Status::Internal("the server accepted " + std::to_string(sent.accepted) + " of " +
                            std::to_string(readings) + " readings");
  }
  result.seconds = sent.seconds;
  result.readings_per_s = static_cast<double>(readings) / sent.seconds;
  result.retries = sent.retries;
  result.peak_rss_mb = server.PeakRssMb();
  METRIFY_RETURN_IF_ERROR(server.Stop());
  result.bytes_per_reading =
      static_cast<double>(DirectoryBytes(server.data_dir())) / static_cast<double>(readings);
  result.engine_bytes_per_reading =
      static_cast<double>(DirectoryBytes(server.data_dir() + "/engine")) /
      static_cast<double>(readings);
  result.segments = CountSegments(server.data_dir() + "/engine");

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
