// The write side of AlertStore: opening, folding findings into alerts and
// the acknowledge/resolve transitions. Reads are in alert_store_queries.cc.
//
// The open alerts are held in memory (open_, by_key_) and mirror their rows
// exactly: every change is written first and installed in memory only after
// the write committed, so a failed write leaves both as they were.
#include "alerts/alert_store.h"

#include <algorithm>

#include <fmt/format.h>

#include "alerts/alert_store_rows.h"

namespace metrify::alerts {

struct AlertStore::Staged {
  Alert alert;
  bool created = false;
  Severity before = Severity::kInfo;
};

namespace {

Alert NewAlert(const Finding& f, int64_t now_ms) {
  Alert a;
  a.type = f.type;
  a.rule = f.rule;
  a.severity = f.severity;
  a.source_kind = f.source_kind;
  a.source_id = f.source_id;
  a.message = f.message;
  a.first_seen_ms = a.last_seen_ms = f.at_ms;
  a.count = 1;
  a.value = f.value;
  a.created_at_ms = a.updated_at_ms = now_ms;
  return a;
}

// Findings may arrive out of data-time order (a backfill): the message and
// value are the newest finding's, not the last one folded.
void FoldInto(Alert& a, const Finding& f, int64_t now_ms) {
  a.count += 1;
  a.first_seen_ms = std::min(a.first_seen_ms, f.at_ms);
  if (f.at_ms >= a.last_seen_ms) {
    a.last_seen_ms = f.at_ms;
    a.message = f.message;
    a.value = f.value;
  }
  a.severity = std::max(a.severity, f.severity);
  a.updated_at_ms = now_ms;
}

std::vector<StatusDetail> CheckFindings(std::span<const Finding> findings) {
  std::vector<StatusDetail> details;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    for (auto [field, text] : {std::pair<std::string_view, std::string_view>{"type", f.type},
                               {"rule", f.rule},
                               {"source_id", f.source_id}}) {
      if (!text.empty()) continue;
      details.push_back({fmt::format("[{}].{}", i, field), "missing",
                         fmt::format("finding [{}] has no {}", i, field)});
    }
  }
  return details;
}

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
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(db_path));
  std::unique_ptr<AlertStore> store(new AlertStore(std::move(db)));
  METRIFY_RETURN_IF_ERROR(store->Load());
  return store;
}

Status AlertStore::Load() {
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

void AlertStore::Install(const Alert& alert) {
  by_key_[rows::KeyOf(alert.source_kind, alert.source_id, alert.rule)] = alert.id;
  open_[alert.id] = alert;
}

Result<std::vector<RaiseOutcome>> AlertStore::Raise(std::span<const Finding> findings,
                                                    int64_t now_ms) {
  std::vector<StatusDetail> bad = CheckFindings(findings);
  if (!bad.empty()) return Status::InvalidFields(std::move(bad));
  std::lock_guard lock(mu_);
  std::vector<Staged> staged = Fold(findings, now_ms);
  if (staged.empty()) return std::vector<RaiseOutcome>{};
  METRIFY_RETURN_IF_ERROR(InTransaction(*db_, [&] { return WriteStaged(staged); }));
  std::vector<RaiseOutcome> outcomes;
  outcomes.reserve(staged.size());
  for (Staged& s : staged) {
    Install(s.alert);
    const bool escalated = !s.created && s.alert.severity > s.before;
    outcomes.push_back({std::move(s.alert), s.created, escalated, s.before});
  }
  return outcomes;
}

// Folds the findings into copies of the open alerts and new alerts, one per
// key, in the order of each key's first finding. Touches neither memory nor
// the database.
std::vector<AlertStore::Staged> AlertStore::Fold(std::span<const Finding> findings,
                                                 int64_t now_ms) const {
  std::vector<Staged> staged;
  std::unordered_map<std::string, size_t> index;  // key -> position in staged
  for (const Finding& f : findings) {
    auto [it, first] =
        index.try_emplace(rows::KeyOf(f.source_kind, f.source_id, f.rule), staged.size());
    if (first) {
      auto open = by_key_.find(it->first);
      if (open == by_key_.end()) {
        staged.push_back({NewAlert(f, now_ms), true, f.severity});
        continue;
      }
      const Alert& current = open_.at(open->second);
      staged.push_back({current, false, current.severity});
    }
    FoldInto(staged[it->second].alert, f, now_ms);
  }
  return staged;
}

// Two statements prepared once and reused for every row: a call may carry
// tens of thousands of findings.
Status AlertStore::WriteStaged(std::vector<Staged>& staged) {
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement insert, db_->Prepare(rows::kInsert));
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement update, db_->Prepare(rows::kUpdate));
  for (Staged& s : staged) {
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

Result<Alert> AlertStore::Acknowledge(int64_t id, std::string_view who, std::string_view note,
                                      int64_t now_ms) {
  if (who.empty()) return Status::InvalidArgument("acknowledging an alert needs who");
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(Alert * current, OpenForTransition(id, "acknowledged", false));
  Alert next = *current;
  next.state = AlertState::kAcknowledged;
  next.acknowledged_by = who;
  next.acknowledge_note = note;
  next.acknowledged_at_ms = next.updated_at_ms = now_ms;
  METRIFY_RETURN_IF_ERROR(Update(next));
  *current = next;
  return next;
}

Result<Alert> AlertStore::Resolve(int64_t id, std::string_view who, std::string_view note,
                                  int64_t now_ms) {
  if (who.empty()) return Status::InvalidArgument("resolving an alert needs who");
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(Alert * current, OpenForTransition(id, "resolved", true));
  Alert next = *current;
  next.state = AlertState::kResolved;
  next.resolved_by = who;
  next.resolve_note = note;
  next.resolved_at_ms = next.updated_at_ms = now_ms;
  METRIFY_RETURN_IF_ERROR(Update(next));
  by_key_.erase(rows::KeyOf(next.source_kind, next.source_id, next.rule));
  open_.erase(id);  // `current` dangles from here
  return next;
}

Result<std::vector<Alert>> AlertStore::ResolveMany(std::span<const int64_t> ids,
                                                   std::string_view who,
                                                   std::span<const std::string> notes,
                                                   int64_t now_ms) {
  if (who.empty()) return Status::InvalidArgument("resolving an alert needs who");
  if (notes.size() != ids.size()) return Status::InvalidArgument("one note per alert");
  std::lock_guard lock(mu_);
  std::vector<Alert> resolved;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = open_.find(ids[i]);
    if (it == open_.end()) continue;  // resolved meanwhile
    Alert next = it->second;
    next.state = AlertState::kResolved;
    next.resolved_by = who;
    next.resolve_note = notes[i];
    next.resolved_at_ms = next.updated_at_ms = now_ms;
    resolved.push_back(std::move(next));
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
    by_key_.erase(rows::KeyOf(alert.source_kind, alert.source_id, alert.rule));
    open_.erase(alert.id);
  }
  return resolved;
}

// Only open alerts can change, and they are all in memory: anything else is
// either unknown (NotFound) or resolved (Conflict).
Result<Alert*> AlertStore::OpenForTransition(int64_t id, std::string_view action,
                                             bool allow_acknowledged) {
  AlertState state = AlertState::kResolved;
  if (auto it = open_.find(id); it != open_.end()) {
    state = it->second.state;
    if (state == AlertState::kOpen || allow_acknowledged) return &it->second;
  } else {
    METRIFY_ASSIGN_OR_RETURN(std::optional<Alert> stored, GetLocked(id));
    if (!stored) return Status::NotFound(fmt::format("no alert with id {}", id));
    state = stored->state;
  }
  return Status::Conflict(
      fmt::format("alert {} is {}, so it cannot be {}", id, StateName(state), action));
}

Status AlertStore::Update(const Alert& alert) {
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt, db_->Prepare(rows::kUpdate));
  rows::BindUpdate(stmt, alert);
  METRIFY_RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() != 1) {
    return Status::Internal(fmt::format("alert {} vanished from the database", alert.id));
  }
  return Status::Ok();
}

size_t AlertStore::OpenCount() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

std::vector<Alert> AlertStore::OpenAlerts() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  out.reserve(open_.size());
  for (const auto& [id, alert] : open_) out.push_back(alert);
  std::sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) { return a.id < b.id; });
  return out;
}

std::optional<int64_t> AlertStore::OpenAlertId(SourceKind kind, std::string_view source_id,
                                               std::string_view rule) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(rows::KeyOf(kind, source_id, rule));
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

}  // namespace metrify::alerts
