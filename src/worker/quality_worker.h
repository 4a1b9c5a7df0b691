// QualityWorker: the daily quality reports `metrify worker process` keeps in
// PostgreSQL (docs/scaled.md "Quality reports"; store/postgres/pg_quality.h
// for the tables, vee/quality_days.h for what a stored day is).
//
// A round has two parts, each in transactions of its own:
// - dirty: claim at most max_claims (64-meter block, hour) marks of blocks
//   no other replica works on, and recompute, for every meter of those
//   blocks, the closed local days the hours touch and the HistoryDays after
//   them (their daily check reads the earlier days); upsert them;
// - sweep: for the next sweep_blocks blocks (round robin over the fleet),
//   store every closed day of the last sweep_days that is not stored or was
//   computed with other inputs (rules, zone, installation date): a day that
//   closes without new data, a rules change, the days before migration 8.
// A day is closed once its end has passed; only closed days are stored, so
// stored figures do not depend on when they were computed. Each day is
// computed as the API would compute a one-day report of it (the same code:
// api::ReadValidatedMeter and vee::BuildDayReports), from the primary.
//
// Replicas: a block is worked on by one transaction at a time (an advisory
// lock); a replica that dies rolls back and leaves its marks. While the
// database is unavailable rounds are retried with backoff.
//
// Thread safety: Run on one thread; stats() and WriteHealth from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "ingest/entity_keys.h"
#include "obs/metrics.h"
#include "registry/registry.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_quality.h"
#include "store/series_store.h"
#include "vee/pg_edit_log.h"
#include "vee/rules.h"

namespace metrify::worker {

struct QualityWorkerOptions {
  // Dirty (block, hour) marks per transaction. Each block claimed costs a
  // read of its meters' days, so rounds are kept small.
  size_t max_claims = 100;
  size_t sweep_blocks = 16;  // blocks swept per round
  // Closed days back from each meter's today that the sweep keeps stored;
  // older days are stored only when data changes them (else computed live).
  int sweep_days = 40;
  std::chrono::milliseconds idle_sleep{200};    // between rounds without a full claim
  std::chrono::milliseconds max_backoff{5000};  // between retries while the database is down
  std::chrono::milliseconds keys_every{5000};   // how often new meters are looked up
  std::chrono::milliseconds backlog_every{1000};
  // The wall clock in epoch ms (tests move it); default NowMillis.
  std::function<int64_t()> now_ms{};
};

struct QualityWorkerStats {
  uint64_t rounds = 0;         // dirty rounds that claimed marks
  uint64_t claims = 0;         // marks claimed
  uint64_t days = 0;           // meter days computed and stored (dirty and sweep)
  uint64_t swept_days = 0;     // of those, by the sweep
  uint64_t sweeps = 0;         // blocks swept
  uint64_t retries = 0;        // rounds repeated after a failure
  int64_t backlog = -1;        // dirty marks at the last count; -1 before the first
  int64_t last_round_ms = 0;   // wall time of the last round that stored days
  double last_round_s = 0;     // its duration
  bool database_down = false;  // the last attempt failed for an unavailable database
};

class QualityWorker {
 public:
  // Everything must outlive the worker. `store` reads the primary (the
  // rounds must see what they claimed); `edits` may be null (no edits). The
  // rules are the API's (config vee.rules_file). Registers its metrics.
  QualityWorker(store::PgPool& pool, store::SeriesStore& store, vee::PgEditLog* edits,
                registry::Registry& registry, ingest::EntityKeys& keys,
                const vee::RulesConfig& rules, obs::MetricsRegistry& metrics,
                QualityWorkerOptions options = {});

  // Rounds until `stop` is set (the round in hand finishes first).
  Status Run(const std::atomic<bool>& stop);
  // The dirty part of a round. Returns the marks claimed (0: none waiting).
  // Errors: the database's; nothing changed then.
  Result<size_t> RunOnce();
  // The sweep part: the next sweep_blocks blocks. Returns the days stored.
  Result<size_t> SweepOnce();
  // Stores the closed days of meter `key` in [first_day, end_day) now (the
  // sweep's work for one meter; for tools and tests). Returns the days stored.
  Result<size_t> StoreDays(uint32_t key, int64_t first_day, int64_t end_day);

  QualityWorkerStats stats() const;
  // Adds "quality": {...} to the process worker's /health object.
  void WriteHealth(JsonWriter& j) const;

 private:
  struct Meter;
  Result<std::optional<Meter>> MeterOf(uint32_t key);
  Status Compute(const Meter& m, const std::set<int64_t>& days, int64_t now,
                 std::vector<store::StoredQualityRow>* out);
  Result<size_t> ComputeBlock(store::PgConnection& db, int64_t block,
                              const std::vector<int64_t>& hours, int64_t now);
  Result<size_t> SweepBlock(int64_t block, int64_t now);
  void RefreshKeys();
  void CountBacklog();
  void NoteFailure(const Status& status);
  void NoteRound(size_t claims, size_t days, size_t swept, double seconds);
  int64_t Now() const;

  store::PgPool& pool_;
  store::SeriesStore& store_;
  vee::PgEditLog* edits_;
  registry::Registry& registry_;
  ingest::EntityKeys& keys_;
  const vee::RulesConfig& rules_;
  const QualityWorkerOptions options_;
  obs::Counter& rounds_total_;
  obs::Counter& days_total_;
  obs::Counter& retries_total_;
  obs::Histogram& round_seconds_;
  std::chrono::steady_clock::time_point keys_loaded_{}, backlog_counted_{};
  std::vector<int64_t> sweep_order_;  // the fleet's blocks, ascending; Run's thread only
  size_t sweep_next_ = 0;
  // Meters as last looked up, for keys_every: a block's 64 lookups would
  // otherwise repeat every round. A stale entry cannot make a stored day
  // wrong, only unusable: its fingerprint is the old one.
  struct CachedMeter;
  std::unordered_map<uint32_t, std::shared_ptr<const CachedMeter>> meters_;  // Run's thread only

  mutable std::mutex mu_;
  QualityWorkerStats stats_;  // guarded by mu_
};

}  // namespace metrify::worker
