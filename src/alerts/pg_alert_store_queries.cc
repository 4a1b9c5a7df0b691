// The read side of PgAlertStore (Get, List, Count, the open alerts) and
// the dead letters of webhook delivery, in the same SQL as the SQLite
// store's wherever the two dialects agree.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "alerts/alert_store_shared.h"
#include "alerts/pg_alert_store.h"
#include "alerts/pg_alert_store_rows.h"

namespace metrify::alerts {

namespace {

using pg_rows::Param;
using store::PgRows;

// The text form of a filter value (text or integer, as FilterTerms makes).
Param ParamOf(const model::FieldValue& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return pg_rows::Int(*i);
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}

// A WHERE clause with $1.. and its parameters.
struct Filter {
  std::string sql;
  std::vector<Param> params;
};

Filter FilterOf(const AlertQuery& q) {
  Filter f;
  for (const auto& [term, value] : detail::FilterTerms(q)) {
    f.params.push_back(ParamOf(value));
    f.sql += fmt::format("{}{} ${}", f.sql.empty() ? " WHERE " : " AND ", term, f.params.size());
  }
  return f;
}

std::vector<Alert> AlertsOf(const PgRows& rows) {
  std::vector<Alert> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.push_back(pg_rows::RowOf(rows, r));
  return out;
}

}  // namespace

Result<std::optional<Alert>> PgAlertStore::Get(int64_t id) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db->Query(fmt::format("SELECT {} FROM alerts WHERE id = $1", detail::kColumns),
                             {pg_rows::Int(id)}));
  if (rows.size() == 0) return std::optional<Alert>();
  return std::optional<Alert>(pg_rows::RowOf(rows, 0));
}

// The count and the page in one snapshot (REPEATABLE READ), so total_count
// agrees with the items while other processes write.
Result<store::Page<Alert>> PgAlertStore::List(const AlertQuery& q) {
  METRIFY_RETURN_IF_ERROR(detail::CheckPage(q));
  Filter filter = FilterOf(q);
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<store::Page<Alert>> {
    METRIFY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    store::Page<Alert> page;
    METRIFY_ASSIGN_OR_RETURN(PgRows count,
                             db->Query("SELECT COUNT(*) FROM alerts" + filter.sql, filter.params));
    page.total_count = count.size() == 1 ? count.Int(0, 0) : 0;
    const size_t next = filter.params.size() + 1;
    filter.params.push_back(pg_rows::Int(q.page_size));
    filter.params.push_back(pg_rows::Int((q.page - 1) * q.page_size));
    METRIFY_ASSIGN_OR_RETURN(
        PgRows rows,
        db->Query(fmt::format("SELECT {} FROM alerts{} ORDER BY last_seen DESC, id DESC "
                              "LIMIT ${} OFFSET ${}",
                              detail::kColumns, filter.sql, next, next + 1),
                  filter.params));
    page.items = AlertsOf(rows);
    return page;
  });
}

// Keys sort in byte order (COLLATE "C"), as SQLite sorts them, whatever the
// database's collation.
Result<std::vector<AnomalyCount>> PgAlertStore::Count(int64_t start_ms, int64_t end_ms,
                                                      std::string_view group_by) {
  METRIFY_ASSIGN_OR_RETURN(std::string_view group, detail::GroupExpression(group_by));
  METRIFY_RETURN_IF_ERROR(detail::CheckWindow(start_ms, end_ms));
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  // [first_seen, last_seen] overlaps [start, end).
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db->Query(fmt::format("SELECT ({}) COLLATE \"C\" AS grp, COUNT(*), SUM(count), "
                                         "COUNT(*) FILTER (WHERE state <> 'RESOLVED') FROM alerts "
                                         "WHERE last_seen >= $1 AND first_seen < $2 "
                                         "GROUP BY grp ORDER BY COUNT(*) DESC, grp",
                                         group),
                             {pg_rows::Int(start_ms), pg_rows::Int(end_ms)}));
  std::vector<AnomalyCount> out;
  for (int r = 0; r < rows.size(); ++r) {
    out.push_back({pg_rows::TextOf(rows, r, 0), rows.Int(r, 1), rows.Int(r, 2), rows.Int(r, 3)});
  }
  return out;
}

Result<std::vector<Alert>> PgAlertStore::OpenAlerts() const {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query(fmt::format("SELECT {} FROM alerts WHERE state <> 'RESOLVED' ORDER BY id",
                            detail::kColumns)));
  return AlertsOf(rows);
}

Result<size_t> PgAlertStore::OpenCount() const {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                           db->Query("SELECT COUNT(*) FROM alerts WHERE state <> 'RESOLVED'"));
  return static_cast<size_t>(rows.size() == 1 ? rows.Int(0, 0) : 0);
}

Result<std::optional<int64_t>> PgAlertStore::OpenAlertId(SourceKind kind,
                                                         std::string_view source_id,
                                                         std::string_view rule) const {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query("SELECT id FROM alerts WHERE source_kind = $1 AND source_id = $2 "
                "AND rule = $3 AND state <> 'RESOLVED'",
                {std::string(SourceKindName(kind)), std::string(source_id), std::string(rule)}));
  if (rows.size() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.Int(0, 0));
}

Status PgAlertStore::RecordDeadLetter(const DeadLetter& letter) {
  METRIFY_ASSIGN_OR_RETURN(const DeadLetter d, detail::StorableDeadLetter(letter));
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db
      ->Query(
          "INSERT INTO alert_dead_letters(alert_id, event, url, attempts, last_error, "
          "payload, failed_at) VALUES($1, $2, $3, $4, $5, $6, $7)",
          {pg_rows::Int(d.alert_id), d.event, d.url, pg_rows::Int(d.attempts), d.last_error,
           d.payload, pg_rows::Int(d.failed_at_ms)})
      .status();
}

Result<std::vector<DeadLetter>> PgAlertStore::DeadLetters(int limit) {
  METRIFY_RETURN_IF_ERROR(detail::CheckDeadLetterLimit(limit));
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query("SELECT alert_id, event, url, attempts, last_error, payload, failed_at "
                "FROM alert_dead_letters ORDER BY failed_at DESC, seq DESC LIMIT $1",
                {pg_rows::Int(limit)}));
  std::vector<DeadLetter> out;
  for (int r = 0; r < rows.size(); ++r) {
    out.push_back({rows.Int(r, 0), pg_rows::TextOf(rows, r, 1), pg_rows::TextOf(rows, r, 2),
                   static_cast<int>(rows.Int(r, 3)), pg_rows::TextOf(rows, r, 4),
                   pg_rows::TextOf(rows, r, 5), rows.Int(r, 6)});
  }
  return out;
}

}  // namespace metrify::alerts
