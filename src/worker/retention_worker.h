// RetentionWorker: the retention passes of `metrify worker process`
// (docs/scaled.md "Retention"; store/postgres/pg_retention.h). With
// storage.retention_days > 0 it runs a pass at start and then every
// `every`; a pass that fails (the database down, a drop that waited too
// long for its lock) is tried again after `retry_after`.
//
// It runs on a thread of its own beside the RollupWorker, with its own
// connection: a pass never delays a rollup round, and a round only waits
// for the instant a partition is dropped. Any number of replicas run one:
// a PostgreSQL advisory lock lets one pass run at a time, and the others
// find it held and skip (counted as "skipped").
//
// Thread safety: Run on one thread; stats() and WriteHealth from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include "common/json_writer.h"
#include "common/result.h"
#include "obs/metrics.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_retention.h"

namespace metrify::worker {

struct RetentionWorkerOptions {
  int retention_days = 0;                         // storage.retention_days; 0: Run returns at once
  std::chrono::milliseconds every{3'600'000};     // between passes (--retention-every)
  std::chrono::milliseconds retry_after{60'000};  // after a pass that failed
  // The wall clock in epoch ms; tests move it.
  std::function<int64_t()> now_ms{};
};

struct RetentionWorkerStats {
  uint64_t passes = 0;              // passes that ran (held the lock)
  uint64_t skipped = 0;             // passes another replica was running
  uint64_t failures = 0;            // passes that failed
  uint64_t partitions_dropped = 0;  // day partitions, since start
  uint64_t hour_rows_deleted = 0;   // readings_hourly rows, since start
  int64_t last_pass_ms = 0;         // wall time the last pass that ran ended; 0 before
  int64_t last_cutoff_ms = 0;       // its cutoff
  double last_pass_s = 0;           // its duration
};

class RetentionWorker {
 public:
  // `pool` and `metrics` must outlive the worker. Registers its metrics
  // (also when retention is off, so dashboards see zeros).
  RetentionWorker(store::PgPool& pool, obs::MetricsRegistry& metrics,
                  RetentionWorkerOptions options);

  // Passes until `stop` is set (noticed within 50 ms; a pass in hand is
  // finished first). Returns at once when retention_days is 0. Errors:
  // none today (failed passes are retried).
  Status Run(const std::atomic<bool>& stop);
  // One pass, counted and logged. Errors: the database's.
  Result<store::RetentionPass> RunOnce();

  RetentionWorkerStats stats() const;
  // Writes "retention": {...} (days, passes, the last pass's age, cutoff
  // and duration) into the object `j` has open, for /health.
  void WriteHealth(JsonWriter& j) const;

 private:
  void Note(const store::RetentionPass& pass, double seconds);

  store::PgPool& pool_;
  const RetentionWorkerOptions options_;
  obs::Counter& passes_total_;
  obs::Counter& partitions_total_;
  obs::Counter& hour_rows_total_;

  mutable std::mutex mu_;
  RetentionWorkerStats stats_;  // guarded by mu_
};

}  // namespace metrify::worker
