// The read side of AlertStore (Get, List, Count) and the dead letters of
// webhook delivery. Reads go to the database, which holds every state.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "alerts/alert_store.h"
#include "alerts/alert_store_rows.h"

namespace metrify::alerts {

namespace {

constexpr int64_t kMaxPageSize = 1000;
// Pages beyond this are refused so page * page_size cannot overflow.
constexpr int64_t kMaxPage = 1'000'000'000;
constexpr int kMaxDeadLetters = 1000;

// A WHERE clause and its parameters, in order.
struct Filter {
  std::vector<std::string> clauses;
  std::vector<model::FieldValue> args;

  void Add(std::string clause, model::FieldValue arg) {
    clauses.push_back(std::move(clause));
    args.push_back(std::move(arg));
  }
  std::string Sql() const {
    std::string sql;
    for (const std::string& c : clauses) sql += (sql.empty() ? " WHERE " : " AND ") + c;
    return sql;
  }
  // Binds the parameters from 1; returns the next free index.
  int Bind(store::SqliteStatement& stmt) const {
    int index = 1;
    for (const model::FieldValue& v : args) stmt.Bind(index++, v);
    return index;
  }
};

Filter FilterOf(const AlertQuery& q) {
  Filter f;
  if (q.state) f.Add("state = ?", std::string(StateName(*q.state)));
  if (q.severity) f.Add("severity = ?", std::string(SeverityName(*q.severity)));
  if (q.source_kind) f.Add("source_kind = ?", std::string(SourceKindName(*q.source_kind)));
  if (q.source_id) f.Add("source_id = ?", *q.source_id);
  if (q.type) f.Add("type = ?", *q.type);
  if (q.rule) f.Add("rule = ?", *q.rule);
  if (q.since_ms) f.Add("last_seen >= ?", *q.since_ms);
  return f;
}

// The SQL expression of each group of Count.
std::optional<std::string_view> GroupExpression(std::string_view group_by) {
  if (group_by == "type") return "type";
  if (group_by == "severity") return "severity";
  if (group_by == "source") return "source_kind || ':' || source_id";
  return std::nullopt;
}

// Removes user info, query and fragment from `url`: where webhook URLs
// carry credentials and tokens.
std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  std::string_view authority = url.substr(start, authority_end - start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view path = url.substr(authority_end);
  path = path.substr(0, path.find_first_of("?#"));
  return fmt::format("{}{}{}", url.substr(0, start), authority, path);
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

}  // namespace

Result<std::optional<Alert>> AlertStore::Get(int64_t id) {
  std::lock_guard lock(mu_);
  return GetLocked(id);
}

Result<std::optional<Alert>> AlertStore::GetLocked(int64_t id) {
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM alerts WHERE id = ?", rows::kColumns)));
  stmt.Bind(1, id);
  METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Alert>();
  return std::optional<Alert>(rows::RowOf(stmt));
}

Result<store::Page<Alert>> AlertStore::List(const AlertQuery& q) {
  if (q.page < 1 || q.page > kMaxPage) {
    return Status::InvalidArgument(fmt::format("page must be 1..{}, not {}", kMaxPage, q.page));
  }
  if (q.page_size < 1 || q.page_size > kMaxPageSize) {
    return Status::InvalidArgument(
        fmt::format("page_size must be 1..{}, not {}", kMaxPageSize, q.page_size));
  }
  const Filter filter = FilterOf(q);
  std::lock_guard lock(mu_);
  store::Page<Alert> page;
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement count,
                           db_->Prepare("SELECT COUNT(*) FROM alerts" + filter.Sql()));
  filter.Bind(count);
  METRIFY_ASSIGN_OR_RETURN(bool has_row, count.Step());
  page.total_count = has_row ? count.ColumnInt(0) : 0;
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM alerts{} ORDER BY last_seen DESC, id DESC "
                               "LIMIT ? OFFSET ?",
                               rows::kColumns, filter.Sql())));
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

Result<std::vector<AnomalyCount>> AlertStore::Count(int64_t start_ms, int64_t end_ms,
                                                    std::string_view group_by) {
  std::optional<std::string_view> group = GroupExpression(group_by);
  if (!group) {
    return Status::InvalidArgument(
        fmt::format("group_by must be type, severity or source, not '{}'", group_by));
  }
  if (start_ms >= end_ms) return Status::InvalidArgument("the start must be before the end");
  std::lock_guard lock(mu_);
  // [first_seen, last_seen] overlaps [start, end).
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt,
                           db_->Prepare(fmt::format("SELECT {} AS grp, COUNT(*), SUM(count), "
                                                    "SUM(state <> 'RESOLVED') FROM alerts "
                                                    "WHERE last_seen >= ? AND first_seen < ? "
                                                    "GROUP BY grp ORDER BY COUNT(*) DESC, grp",
                                                    *group)));
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

Status AlertStore::RecordDeadLetter(const DeadLetter& d) {
  if (d.event.empty()) return Status::InvalidArgument("a dead letter needs its event");
  if (d.url.empty()) return Status::InvalidArgument("a dead letter needs its url");
  if (d.attempts < 0) return Status::InvalidArgument("attempts cannot be negative");
  const std::string url = RedactUrl(d.url);
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare("INSERT INTO alert_dead_letters(alert_id, event, url, attempts, last_error, "
                   "payload, failed_at) VALUES(?,?,?,?,?,?,?)"));
  stmt.Bind(1, d.alert_id);
  stmt.Bind(2, d.event);
  stmt.Bind(3, url);
  stmt.Bind(4, static_cast<int64_t>(d.attempts));
  stmt.Bind(5, ReplaceAll(d.last_error, d.url, url));
  stmt.Bind(6, d.payload);
  stmt.Bind(7, d.failed_at_ms);
  return stmt.Run();
}

Result<std::vector<DeadLetter>> AlertStore::DeadLetters(int limit) {
  if (limit < 1 || limit > kMaxDeadLetters) {
    return Status::InvalidArgument(
        fmt::format("limit must be 1..{}, not {}", kMaxDeadLetters, limit));
  }
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
