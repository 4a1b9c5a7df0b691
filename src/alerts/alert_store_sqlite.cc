// The write side of SqliteAlertStore (alert_store_sqlite.h): opening,
// folding findings into alerts and the acknowledge/resolve transitions.
// Reads are in alert_store_sqlite_queries.cc.
#include "alerts/alert_store_sqlite.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "alerts/alert_store_rows.h"

namespace metrify::alerts {

namespace {

using detail::KeyOf;
using detail::StagedAlert;

// Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when it fails.
template <typename Body>
Status InTransaction(store::SqliteDb& db, Body body) {
  METRIFY_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status status = body();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) (void)db.Exec("ROLLBACK");
  return status;
}

}  // namespace

Result<std::unique_ptr<AlertStore>> AlertStore::Open(const std::string& db_path) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteAlertStore> store,
                           SqliteAlertStore::Open(db_path));
  return std::unique_ptr<AlertStore>(std::move(store));
}

Result<std::unique_ptr<SqliteAlertStore>> SqliteAlertStore::Open(const std::string& db_path) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(db_path));
  std::unique_ptr<SqliteAlertStore> store(new SqliteAlertStore(std::move(db)));
  METRIFY_RETURN_IF_ERROR(store->Load());
  return store;
}

Status SqliteAlertStore::Load() {
  std::lock_guard lock(mu_);
  // The WHERE matches the partial index alerts_open_key, which serves it.
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM alerts WHERE state <> 'RESOLVED'", rows::kColumns)));
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    Install(rows::RowOf(stmt));
  }
  return Status::Ok();
}

void SqliteAlertStore::Install(const Alert& alert) {
  by_key_[KeyOf(alert)] = alert.id;
  open_[alert.id] = alert;
}

Result<std::vector<RaiseOutcome>> SqliteAlertStore::Raise(std::span<const Finding> findings,
                                                          int64_t now_ms) {
  std::vector<StatusDetail> bad = detail::CheckFindings(findings);
  if (!bad.empty()) return Status::InvalidFields(std::move(bad));
  std::lock_guard lock(mu_);
  std::vector<StagedAlert> staged =
      detail::Fold(findings, now_ms, [this](const std::string& key) -> const Alert* {
        auto it = by_key_.find(key);
        return it == by_key_.end() ? nullptr : &open_.at(it->second);
      });
  if (staged.empty()) return std::vector<RaiseOutcome>{};
  METRIFY_RETURN_IF_ERROR(InTransaction(*db_, [&] { return WriteStaged(staged); }));
  for (const StagedAlert& s : staged) Install(s.alert);
  return detail::OutcomesOf(std::move(staged));
}

// Two statements prepared once and reused for every row: a call may carry
// tens of thousands of findings.
Status SqliteAlertStore::WriteStaged(std::vector<StagedAlert>& staged) {
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement insert, db_->Prepare(rows::kInsert));
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement update, db_->Prepare(rows::kUpdate));
  for (StagedAlert& s : staged) {
    store::SqliteStatement& stmt = s.created ? insert : update;
    stmt.Reset();
    if (s.created) {
      rows::BindInsert(stmt, s.alert);
      METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Status::Internal("inserting an alert returned no id");
      s.alert.id = stmt.ColumnInt(0);
    } else {
      rows::BindUpdate(stmt, s.alert);
    }
    METRIFY_RETURN_IF_ERROR(stmt.Run());
  }
  return Status::Ok();
}

Result<Alert> SqliteAlertStore::Acknowledge(int64_t id, std::string_view who, std::string_view note,
                                            int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckWho(who, "acknowledging"));
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(Alert * current, OpenForTransition(id, "acknowledged"));
  Alert next = detail::Acknowledged(*current, who, note, now_ms);
  METRIFY_RETURN_IF_ERROR(Update(next));
  *current = next;
  return next;
}

Result<Alert> SqliteAlertStore::Resolve(int64_t id, std::string_view who, std::string_view note,
                                        int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckWho(who, "resolving"));
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(Alert * current, OpenForTransition(id, "resolved"));
  Alert next = detail::Resolved(*current, who, note, now_ms);
  METRIFY_RETURN_IF_ERROR(Update(next));
  by_key_.erase(KeyOf(next));
  open_.erase(id);  // `current` dangles from here
  return next;
}

Result<std::vector<Alert>> SqliteAlertStore::ResolveMany(std::span<const int64_t> ids,
                                                         std::string_view who,
                                                         std::span<const std::string> notes,
                                                         int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckResolveMany(ids, who, notes));
  std::lock_guard lock(mu_);
  std::vector<Alert> resolved;
  std::unordered_set<int64_t> taken;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = open_.find(ids[i]);
    if (it == open_.end() || !taken.insert(ids[i]).second) continue;  // resolved meanwhile
    resolved.push_back(detail::Resolved(it->second, who, notes[i], now_ms));
  }
  if (resolved.empty()) return resolved;
  METRIFY_RETURN_IF_ERROR(InTransaction(*db_, [&] {
    // One statement for all rows: preparing it per row cost more than the row.
    METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt, db_->Prepare(rows::kUpdate));
    for (const Alert& alert : resolved) {
      stmt.Reset();
      rows::BindUpdate(stmt, alert);
      METRIFY_RETURN_IF_ERROR(stmt.Run());
    }
    return Status::Ok();
  }));
  for (const Alert& alert : resolved) {
    by_key_.erase(KeyOf(alert));
    open_.erase(alert.id);
  }
  return resolved;
}

// Only open alerts can change, and they are all in memory: anything else is
// either unknown (NotFound) or not open (Conflict).
Result<Alert*> SqliteAlertStore::OpenForTransition(int64_t id, std::string_view action) {
  if (auto it = open_.find(id); it != open_.end()) {
    METRIFY_RETURN_IF_ERROR(detail::CheckTransition(id, it->second.state, action));
    return &it->second;
  }
  METRIFY_ASSIGN_OR_RETURN(std::optional<Alert> stored, GetLocked(id));
  if (!stored) return detail::NoSuchAlert(id);
  return detail::Refused(id, stored->state, action);
}

Status SqliteAlertStore::Update(const Alert& alert) {
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt, db_->Prepare(rows::kUpdate));
  rows::BindUpdate(stmt, alert);
  METRIFY_RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() != 1) {
    return Status::Internal(fmt::format("alert {} vanished from the database", alert.id));
  }
  return Status::Ok();
}

Result<size_t> SqliteAlertStore::OpenCount() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

Result<std::vector<Alert>> SqliteAlertStore::OpenAlerts() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  out.reserve(open_.size());
  for (const auto& [id, alert] : open_) out.push_back(alert);
  std::sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) { return a.id < b.id; });
  return out;
}

Result<std::optional<int64_t>> SqliteAlertStore::OpenAlertId(SourceKind kind,
                                                             std::string_view source_id,
                                                             std::string_view rule) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(KeyOf(kind, source_id, rule));
  if (it == by_key_.end()) return std::optional<int64_t>();
  return std::optional<int64_t>(it->second);
}

}  // namespace metrify::alerts
