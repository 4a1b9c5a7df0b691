// `metrify bench ingest --mode scaled`: realistic readings through scaled
// mode end to end (docs/scaled.md: `metrify serve` in scaled mode produces
// to Kafka, `metrify worker ingest` processes store into PostgreSQL),
// against a plain binary COPY of the same rows into the same table in the
// same run (docs/benchmarks.md, "Scaled ingest").
//
// One run: PostgreSQL and the broker (the user's, or started here:
// local_servers.h), migrations, a scaled `serve` and W workers as child
// processes of this binary; the meters are registered through the API.
// Then
//   1. COPY baseline: the rows in one transaction into the empty table
//      (day partitions made ahead), timed; then the table is emptied;
//   2. pipeline: the bodies (built before the clock, in time or meter
//      order) posted over N connections; the clock runs from the first
//      POST until the workers report every reading stored
//      (metrify_worker_samples_total), then on until VEE in the workers
//      has validated them (metrify_vee_pending_meters back to 0). The
//      client holds back while more than max_lag readings are acknowledged
//      but not stored (the test broker's log is bounded, and a worker that
//      finds messages dropped fails the run); the acknowledged rate counts
//      only the time some request was in flight. The table is then checked
//      row for row against the baseline's (count and a hash of every row);
//   3. COPY baseline again into the emptied table, so that drift of the
//      machine over the run shows; the better of the two is the baseline.
// CPU seconds of every process from the first POST until validated, and of
// the whole machine, tell where the pipeline's time goes.
//
// Thread safety: RunScaledIngestBench may be called from one thread at a
// time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/copy_baseline.h"
#include "common/result.h"

namespace metrify::bench {

struct ScaledIngestOptions {
  int meters = 2000;
  int days = 2;
  int connections = 8;  // concurrent HTTP clients
  int batch = 1000;     // readings per request
  ReadingOrder order = ReadingOrder::kTime;
  int workers = 2;  // `metrify worker ingest` processes
  // Their --batch: most Kafka messages per database transaction; 0 keeps
  // the worker's own default.
  size_t worker_batch = 0;
  // Of metrify.readings on the broker started here: its log holds only
  // 5 MiB per partition, so more partitions let the workers fall further
  // behind without losing messages (max_lag).
  int partitions = 32;
  bool vee = true;                       // the workers validate what they stored (vee.enabled)
  bool durable = true;                   // the PostgreSQL started here keeps fsync etc. on
  std::vector<std::string> pg_settings;  // more of its settings, "name=value"
  std::string dir;                       // work directory (servers' data and logs)
  std::string postgres_url;   // the user's database (must hold no readings); empty: start one
  std::string kafka_brokers;  // the user's cluster (fresh metrify.* topics); empty: start one
  std::string broker_binary;  // metrify-mock-broker; empty: next to this binary
  // Most readings acknowledged by the API and not yet stored before the
  // client holds back (0: no limit; -1: the default, 5,120 per partition
  // with the broker started here, whose log per partition is bounded, and
  // no limit with the user's Kafka).
  int64_t max_lag = -1;
  // After the pipeline: `metrify worker process` rolls the readings up and
  // the fleet's daily energy is asked of the API (fleet_* figures).
  bool fleet_query = true;
};

// CPU seconds (user + system) over the pipeline's run, per process (the
// PostgreSQL started here with all its backends; 0 for servers of the
// user's), and of the whole machine (busy includes other programs).
struct PipelineCpu {
  double serve = 0, workers = 0, postgres = 0, broker = 0, client = 0;
  double machine_busy = 0;    // every core, from /proc/stat: non-idle, non-iowait
  double machine_iowait = 0;  // ... waiting for the disk
  double machine_idle = 0;
};

struct ScaledIngestResult {
  uint64_t readings = 0;
  // Pipeline: from the first POST until every reading was stored.
  double seconds = 0;
  double readings_per_s = 0;
  // Until VEE in the workers had validated them too (the same with --no-vee,
  // up to the look at the workers' metrics).
  double validated_seconds = 0;
  double validated_per_s = 0;
  double ack_seconds = 0;           // until the last POST was answered
  double ack_busy_seconds = 0;      // of which some request was in flight (not held back)
  double ack_readings_per_s = 0;    // readings / ack_busy_seconds
  double max_lag = 0;               // the limit used (0: none)
  uint64_t stored_at_ack = 0;       // readings the workers had stored by then
  uint64_t retries = 0;             // 503 answers (Kafka did not acknowledge in time)
  double worker_batches = 0;        // database transactions of the workers
  double worker_batch_seconds = 0;  // their summed time, poll to database commit
  PipelineCpu cpu;
  // Baseline: binary COPY of the same rows, before and after the pipeline.
  double copy_first_seconds = 0;
  double copy_second_seconds = 0;
  double copy_readings_per_s = 0;  // the better of the two
  double ratio = 0;                // pipeline / copy readings per second
  bool durable = true;             // the database has fsync on and synchronous_commit not off
  bool local_servers = true;       // PostgreSQL or the broker was started here
  // Fleet analytics on what the pipeline stored: the daily energy of every
  // meter for the first day (GET /api/v1/analytics/consumption?interval=1d
  // &group_by=meter), median of 5, once `metrify worker process` has rolled
  // every hour up and reported every day (how long each took from its
  // start; the worker does both at once). 0: not run.
  double rollup_seconds = 0;
  double quality_seconds = 0;
  double fleet_daily_ms = 0;      // validated (the default view)
  double fleet_daily_raw_ms = 0;  // version=raw
};

Result<ScaledIngestResult> RunScaledIngestBench(const ScaledIngestOptions& options);

}  // namespace metrify::bench
