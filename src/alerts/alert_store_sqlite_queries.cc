// The read side of SqliteAlertStore (Get, List, Count) and the dead letters
// of webhook delivery. Reads go to the database, which holds every state.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "alerts/alert_store_rows.h"
#include "alerts/alert_store_sqlite.h"

namespace metrify::alerts {

namespace {

// A WHERE clause and its parameters, in order.
struct Filter {
  std::string sql;
  std::vector<model::FieldValue> args;

  // Binds the parameters from 1; returns the next free index.
  int Bind(store::SqliteStatement& stmt) const {
    int index = 1;
    for (const model::FieldValue& v : args) stmt.Bind(index++, v);
    return index;
  }
};

Filter FilterOf(const AlertQuery& q) {
  Filter f;
  for (auto& [term, value] : detail::FilterTerms(q)) {
    f.sql += fmt::format("{}{} ?", f.sql.empty() ? " WHERE " : " AND ", term);
    f.args.push_back(std::move(value));
  }
  return f;
}

}  // namespace

Result<std::optional<Alert>> SqliteAlertStore::Get(int64_t id) {
  std::lock_guard lock(mu_);
  return GetLocked(id);
}

Result<std::optional<Alert>> SqliteAlertStore::GetLocked(int64_t id) {
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM alerts WHERE id = ?", rows::kColumns)));
  stmt.Bind(1, id);
  METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Alert>();
  return std::optional<Alert>(rows::RowOf(stmt));
}

Result<store::Page<Alert>> SqliteAlertStore::List(const AlertQuery& q) {
  METRIFY_RETURN_IF_ERROR(detail::CheckPage(q));
  const Filter filter = FilterOf(q);
  std::lock_guard lock(mu_);
  store::Page<Alert> page;
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement count,
                           db_->Prepare("SELECT COUNT(*) FROM alerts" + filter.sql));
  filter.Bind(count);
  METRIFY_ASSIGN_OR_RETURN(bool has_row, count.Step());
  page.total_count = has_row ? count.ColumnInt(0) : 0;
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM alerts{} ORDER BY last_seen DESC, id DESC "
                               "LIMIT ? OFFSET ?",
                               rows::kColumns, filter.sql)));
  int next = filter.Bind(stmt);
  stmt.Bind(next, q.page_size);
  stmt.Bind(next + 1, (q.page - 1) * q.page_size);
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    page.items.push_back(rows::RowOf(stmt));
  }
  return page;
}

Result<std::vector<AnomalyCount>> SqliteAlertStore::Count(int64_t start_ms, int64_t end_ms,
                                                          std::string_view group_by) {
  METRIFY_ASSIGN_OR_RETURN(std::string_view group, detail::GroupExpression(group_by));
  METRIFY_RETURN_IF_ERROR(detail::CheckWindow(start_ms, end_ms));
  std::lock_guard lock(mu_);
  // [first_seen, last_seen] overlaps [start, end).
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt,
                           db_->Prepare(fmt::format("SELECT {} AS grp, COUNT(*), SUM(count), "
                                                    "SUM(state <> 'RESOLVED') FROM alerts "
                                                    "WHERE last_seen >= ? AND first_seen < ? "
                                                    "GROUP BY grp ORDER BY COUNT(*) DESC, grp",
                                                    group)));
  stmt.Bind(1, start_ms);
  stmt.Bind(2, end_ms);
  std::vector<AnomalyCount> out;
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(
        {rows::TextOf(stmt.Column(0)), stmt.ColumnInt(1), stmt.ColumnInt(2), stmt.ColumnInt(3)});
  }
  return out;
}

Status SqliteAlertStore::RecordDeadLetter(const DeadLetter& letter) {
  METRIFY_ASSIGN_OR_RETURN(const DeadLetter d, detail::StorableDeadLetter(letter));
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare("INSERT INTO alert_dead_letters(alert_id, event, url, attempts, last_error, "
                   "payload, failed_at) VALUES(?,?,?,?,?,?,?)"));
  stmt.Bind(1, d.alert_id);
  stmt.Bind(2, d.event);
  stmt.Bind(3, d.url);
  stmt.Bind(4, static_cast<int64_t>(d.attempts));
  stmt.Bind(5, d.last_error);
  stmt.Bind(6, d.payload);
  stmt.Bind(7, d.failed_at_ms);
  return stmt.Run();
}

Result<std::vector<DeadLetter>> SqliteAlertStore::DeadLetters(int limit) {
  METRIFY_RETURN_IF_ERROR(detail::CheckDeadLetterLimit(limit));
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare("SELECT alert_id, event, url, attempts, last_error, payload, failed_at "
                   "FROM alert_dead_letters ORDER BY failed_at DESC, seq DESC LIMIT ?"));
  stmt.Bind(1, static_cast<int64_t>(limit));
  std::vector<DeadLetter> out;
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.ColumnInt(0), rows::TextOf(stmt.Column(1)), rows::TextOf(stmt.Column(2)),
                   static_cast<int>(stmt.ColumnInt(3)), rows::TextOf(stmt.Column(4)),
                   rows::TextOf(stmt.Column(5)), stmt.ColumnInt(6)});
  }
  return out;
}

}  // namespace metrify::alerts
