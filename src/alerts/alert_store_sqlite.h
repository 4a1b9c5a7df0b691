// SqliteAlertStore: the AlertStore of one process (alert_store.h), on the
// `alerts` and `alert_dead_letters` tables of registry.db (migrations 3 and
// 4 in store/sqlite/migrations.cc). The open alerts are also held in
// memory and mirror their rows exactly: every change is written first and
// installed in memory only after the write committed, so a failed write
// leaves both as they were. This makes deduplication a lookup and keeps
// Raise to one write per alert, but it also means that only this store may
// write the table: a row written behind its back is not in memory.
//
// Lifecycle: AlertStore::Open() once at start-up, after the registry has
// migrated registry.db; the store owns its own SQLite connection.
// Thread safety: all methods may be called from any thread (one mutex).
// Durability: a write method has committed (synchronous=FULL) when it
// returns OK.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerts/alert_store.h"
#include "alerts/alert_store_shared.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::alerts {

class SqliteAlertStore final : public AlertStore {
 public:
  // As AlertStore::Open.
  static Result<std::unique_ptr<SqliteAlertStore>> Open(const std::string& db_path);

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
  // From memory; never fail.
  Result<std::vector<Alert>> OpenAlerts() const override;
  Result<size_t> OpenCount() const override;
  Result<std::optional<int64_t>> OpenAlertId(SourceKind kind, std::string_view source_id,
                                             std::string_view rule) const override;
  Status RecordDeadLetter(const DeadLetter& d) override;
  Result<std::vector<DeadLetter>> DeadLetters(int limit) override;

 private:
  explicit SqliteAlertStore(std::unique_ptr<store::SqliteDb> db) : db_(std::move(db)) {}
  Status Load();
  Result<std::optional<Alert>> GetLocked(int64_t id);
  Status WriteStaged(std::vector<detail::StagedAlert>& staged);
  // The open alert `id` when it may be `action`ed ("acknowledged",
  // "resolved"); NotFound or Conflict otherwise.
  Result<Alert*> OpenForTransition(int64_t id, std::string_view action);
  Status Update(const Alert& alert);
  void Install(const Alert& alert);

  mutable std::mutex mu_;
  std::unique_ptr<store::SqliteDb> db_;              // guarded by mu_
  std::unordered_map<int64_t, Alert> open_;          // by id; guarded by mu_
  std::unordered_map<std::string, int64_t> by_key_;  // open ids by key; guarded by mu_
};

}  // namespace metrify::alerts
