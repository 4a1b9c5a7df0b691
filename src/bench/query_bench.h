// `metrify bench query`: query latency and throughput over a loaded fleet,
// against a real `metrify serve` child (docs/benchmarks.md, "Queries").
#pragma once

#include <string>

#include "common/result.h"

namespace metrify::bench {

struct QueryBenchOptions {
  int meters = 10'000;           // meters with full days of readings
  int days = 2;                  // the first day is flushed to segments, the last in memory
  int latest_meters = 100'000;   // fleet size for the latest-reading query
  int queries = 1000;            // meter-day queries timed
  double ingest_rate = 100'000;  // readings/s while measuring queries/s
  double query_rate = 1000;      // meter-day queries/s offered meanwhile (paced)
  std::string dir;
};

struct QueryBenchResult {
  double meter_day_hourly_p50_ms = 0;
  double meter_day_hourly_p99_ms = 0;
  // The same meter days read raw (version=raw), in the same run.
  double meter_day_hourly_raw_p50_ms = 0;
  double meter_day_hourly_raw_p99_ms = 0;
  // Daily energy of every meter for one day, median of 5: validated (the
  // default) and raw.
  double rollup_daily_ms = 0;
  double rollup_daily_raw_ms = 0;
  double latest_ms = 0;  // latest reading of latest_meters meters (median of 5)
  double queries_per_s_while_ingesting = 0;
  double ingest_readings_per_s_during_queries = 0;
  double peak_rss_mb = 0;
};

Result<QueryBenchResult> RunQueryBench(const QueryBenchOptions& options);

}  // namespace metrify::bench
