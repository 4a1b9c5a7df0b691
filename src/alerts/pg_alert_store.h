// PgAlertStore: the AlertStore of scaled mode (alert_store.h), on the
// `alerts` and `alert_dead_letters` tables of PostgreSQL (migration 3 in
// store/postgres/pg_migrations.cc), shared by every API replica and worker.
//
// Nothing is held in memory: every answer comes from the database, so
// OpenAlerts, OpenCount and OpenAlertId see what other processes raised and
// resolved. Changes are atomic across processes:
// - Raise takes a transaction-scoped advisory lock on a bucket of each key
//   it touches (kKeyLockBuckets buckets, in ascending order so two callers
//   cannot deadlock), locks the open alerts of those keys (FOR UPDATE, by
//   id), folds the findings into them exactly as the SQLite store does and
//   writes them back, one INSERT and one UPDATE per call. Two processes
//   raising the same key therefore fold one after the other into ONE open
//   alert; the partial unique index alerts_open_key stays the last guard.
// - Acknowledge, Resolve and ResolveMany lock their rows (FOR UPDATE, by id)
//   and check the state they find there, so of two processes acknowledging
//   the same alert one succeeds and the other gets Conflict; a Raise
//   waiting for a row that is resolved meanwhile opens a new alert.
//
// Errors: besides each method's own, Unavailable when the database cannot
// be reached (the pool's; messages name the server without password),
// ResourceExhausted when every pooled connection stayed busy, Conflict for
// a broken constraint. A write whose COMMIT was sent but not answered (the
// connection broke) reports Unavailable although it may have committed.
//
// Lifecycle: Open() after the schema was migrated (`metrify migrate up`);
// the pool must outlive the store. Thread safety: all methods may be called
// from any thread; each call borrows one connection for its duration.
// Durability: a write method has committed when it returns OK.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_store.h"
#include "store/postgres/pg_pool.h"

namespace metrify::alerts {

class PgAlertStore final : public AlertStore {
 public:
  // Advisory lock buckets of Raise: keys hash into these (CRC32C), so a
  // call locks at most this many whatever its size, and calls of disjoint
  // small sets of keys rarely wait for each other.
  static constexpr uint32_t kKeyLockBuckets = 256;

  // A store on `pool`'s database. Errors: Unavailable (unreachable);
  // InvalidArgument naming `metrify migrate up` when the tables are missing.
  static Result<std::unique_ptr<AlertStore>> Open(store::PgPool& pool);

  Result<std::vector<RaiseOutcome>> Raise(std::span<const Finding> findings,
                                          int64_t now_ms) override;
  Result<Alert> Acknowledge(int64_t id, std::string_view who, std::string_view note,
                            int64_t now_ms) override;
  Result<Alert> Resolve(int64_t id, std::string_view who, std::string_view note,
                        int64_t now_ms) override;
  Result<std::vector<Alert>> ResolveMany(std::span<const int64_t> ids, std::string_view who,
                                         std::span<const std::string> notes,
                                         int64_t now_ms) override;
  Result<std::optional<Alert>> Get(int64_t id) override;
  Result<store::Page<Alert>> List(const AlertQuery& q) override;
  Result<std::vector<AnomalyCount>> Count(int64_t start_ms, int64_t end_ms,
                                          std::string_view group_by) override;
  // From the database (the partial index of open alerts serves them).
  Result<std::vector<Alert>> OpenAlerts() const override;
  Result<size_t> OpenCount() const override;
  Result<std::optional<int64_t>> OpenAlertId(SourceKind kind, std::string_view source_id,
                                             std::string_view rule) const override;
  Status RecordDeadLetter(const DeadLetter& d) override;
  Result<std::vector<DeadLetter>> DeadLetters(int limit) override;

 private:
  explicit PgAlertStore(store::PgPool& pool) : pool_(pool) {}
  // Acknowledge and Resolve: the row locked, its state checked, `step`
  // applied and written.
  template <typename Step>
  Result<Alert> Transition(int64_t id, std::string_view action, Step step);

  store::PgPool& pool_;
};

}  // namespace metrify::alerts
