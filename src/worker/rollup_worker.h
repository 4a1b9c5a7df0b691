// RollupWorker: `metrify worker process`, the role that keeps the hourly
// rollups of readings in PostgreSQL up to date (docs/scaled.md "Rollups";
// store/postgres/pg_rollups.h).
//
// One round: claim at most max_claims dirty (64-meter block, hour) marks
// that no other replica holds, recompute those meter hours from the latest
// revisions and upsert readings_hourly, all in one transaction
// (store::RecomputeDirtyHours).
// Rounds follow each other while there is a backlog; when a round finds
// none, the worker sleeps idle_sleep and polls again. Any number of
// replicas share one backlog: a claim skips the rows another holds, so no
// hour is computed by two at once, and a replica that dies mid-round rolls
// back, leaving its hours dirty for the others.
//
// While the database is unavailable the round is retried with backoff
// (100 ms doubling to max_backoff) and /health says so.
//
// Thread safety: Run on one thread; stats() from any.
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
#include "worker/worker_endpoints.h"

namespace metrify::worker {

struct RollupWorkerOptions {
  // Block hours (up to 64 meter hours each) per transaction: larger rounds
  // amortise the statements, smaller ones hold their locks (and delay a
  // concurrent ingest marking the same block hour, which waits for the
  // claim) for less time.
  size_t max_claims = 100;
  std::chrono::milliseconds idle_sleep{200};      // between polls of an empty backlog
  std::chrono::milliseconds max_backoff{5000};    // between retries while the database is down
  std::chrono::milliseconds backlog_every{1000};  // how often the backlog gauge is counted
};

struct RollupWorkerStats {
  uint64_t rounds = 0;         // rounds that recomputed at least one hour
  uint64_t claims = 0;         // block hours claimed
  uint64_t hours = 0;          // meter hours recomputed
  uint64_t readings = 0;       // readings read for them
  uint64_t retries = 0;        // rounds repeated for an unavailable database
  int64_t backlog = -1;        // dirty block hours at the last count; -1 before the first
  int64_t last_round_ms = 0;   // wall time of the last round that recomputed something
  double last_round_s = 0;     // its duration
  bool database_down = false;  // the last attempt failed for an unavailable database
};

class RollupWorker {
 public:
  // `pool` and `metrics` must outlive the worker. Registers its metrics.
  RollupWorker(store::PgPool& pool, obs::MetricsRegistry& metrics,
               RollupWorkerOptions options = {});

  // Rounds until `stop` is set; the round in hand is finished (committed or
  // rolled back) first. Errors: none today (database errors are retried);
  // the Status leaves room for fatal ones.
  Status Run(const std::atomic<bool>& stop);
  // One round. Returns the block hours claimed (0: the backlog was empty).
  // Errors: the database's; nothing changed then.
  Result<size_t> RunOnce();

  RollupWorkerStats stats() const;
  // /health's details: database state, backlog, the last round; `more`,
  // when given, adds its keys to the same object (the process command's
  // retention pass).
  WorkerHealth Health(const std::function<void(JsonWriter&)>& more = {}) const;

 private:
  void CountBacklog();
  void NoteFailure(const Status& status);

  store::PgPool& pool_;
  const RollupWorkerOptions options_;
  obs::Counter& rounds_total_;
  obs::Counter& hours_total_;
  obs::Counter& retries_total_;
  obs::Histogram& round_seconds_;
  std::chrono::steady_clock::time_point backlog_counted_{};

  mutable std::mutex mu_;
  RollupWorkerStats stats_;  // guarded by mu_
};

}  // namespace metrify::worker
