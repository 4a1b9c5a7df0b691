// `metrify bench ingest`: realistic readings over loopback HTTP into a real
// `metrify serve` with the embedded engine, against a SQLite baseline on the
// same readings (docs/benchmarks.md, "Ingest").
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace metrify::bench {

struct IngestBenchOptions {
  int meters = 1000;
  int days = 7;
  int connections = 8;  // concurrent HTTP clients
  int batch = 1000;     // readings per request
  std::string dir;      // work directory (server data, baseline database)
  std::string head_memory = "256MiB";
  bool baseline = true;  // also run the SQLite baseline
  bool vee = true;       // the server validates (vee.enabled)
  // Also run the server with validation off first, in the same run: what
  // VEE costs (docs/benchmarks.md, "VEE: cost").
  bool vee_baseline = false;
  bool alerts = true;  // the server runs detection (alerts.enabled)
  // Also run the server with detection off first, in the same run: what
  // detection costs (docs/benchmarks.md, "Detection: cost").
  bool detect_baseline = false;
};

struct IngestBenchResult {
  uint64_t readings = 0;
  double seconds = 0;
  double readings_per_s = 0;  // acknowledged, durable
  // Until validation and detection had caught up with every acknowledged
  // reading (VEE's backlog and detection's queue back to 0).
  double validated_seconds = 0;
  double validated_per_s = 0;
  double overlay_rows = 0;           // VEE's overlay rows at the end
  double no_vee_readings_per_s = 0;  // --vee-baseline: the same run without validation
  double no_vee_bytes_per_reading = 0;
  double no_detect_readings_per_s = 0;  // --detect-baseline: acknowledged, detection off
  double no_detect_done_per_s = 0;      // ... and until VEE had caught up
  double findings = 0;                  // detection's findings at the end
  double bytes_per_reading = 0;         // data directory after the flush at shutdown
  double engine_bytes_per_reading = 0;  // data/engine only (segments, WAL)
  uint64_t segments = 0;
  uint64_t retries = 0;  // 503 back-pressure answers
  double peak_rss_mb = 0;
  double sqlite_readings_per_s = 0;
  double sqlite_bytes_per_reading = 0;
};

Result<IngestBenchResult> RunIngestBench(const IngestBenchOptions& options);

}  // namespace metrify::bench
