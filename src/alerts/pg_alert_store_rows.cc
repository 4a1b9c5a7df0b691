// How an Alert maps onto PostgreSQL rows (pg_alert_store_rows.h).
#include "alerts/pg_alert_store_rows.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace metrify::alerts::pg_rows {

std::string Int(int64_t v) { return std::to_string(v); }

// fmt's shortest form reads back to the same double; PostgreSQL spells
// the infinities out.
Param Number(double v) {
  if (std::isnan(v)) return std::nullopt;
  if (std::isinf(v)) return std::string(v > 0 ? "Infinity" : "-Infinity");
  return fmt::format("{}", v);
}

Param NullableText(std::string_view s) { return s.empty() ? Param() : Param(std::string(s)); }

Param NullableTime(int64_t ms) { return ms == 0 ? Param() : Param(Int(ms)); }

void ArrayLiteral::Add(const Param& element) {
  if (text_.size() > 1) text_ += ',';
  if (!element) {
    text_ += "NULL";
    return;
  }
  text_ += '"';
  for (char c : *element) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

std::string ArrayLiteral::Take() {
  text_ += '}';
  return std::move(text_);
}

std::string TextOf(const store::PgRows& rows, int row, int column) {
  return std::string(rows.Text(row, column));
}

// float8's text output (shortest exact since PostgreSQL 12) reads back
// with from_chars, "Infinity" included.
double NumberOf(const store::PgRows& rows, int row, int column) {
  if (rows.IsNull(row, column)) return NAN;
  std::string_view text = rows.Text(row, column);
  double v = NAN;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

Alert RowOf(const store::PgRows& rows, int row) {
  Alert a;
  a.id = rows.Int(row, 0);
  a.type = TextOf(rows, row, 1);
  a.rule = TextOf(rows, row, 2);
  a.severity = ParseSeverity(rows.Text(row, 3)).value_or(Severity::kWarning);
  a.source_kind = ParseSourceKind(rows.Text(row, 4)).value_or(SourceKind::kMeter);
  a.source_id = TextOf(rows, row, 5);
  a.message = TextOf(rows, row, 6);
  a.first_seen_ms = rows.Int(row, 7);
  a.last_seen_ms = rows.Int(row, 8);
  a.count = rows.Int(row, 9);
  a.value = NumberOf(rows, row, 10);
  a.state = ParseState(rows.Text(row, 11)).value_or(AlertState::kOpen);
  a.created_at_ms = rows.Int(row, 12);
  a.updated_at_ms = rows.Int(row, 13);
  a.acknowledged_by = TextOf(rows, row, 14);
  a.acknowledge_note = TextOf(rows, row, 15);
  a.acknowledged_at_ms = rows.Int(row, 16);
  a.resolved_by = TextOf(rows, row, 17);
  a.resolve_note = TextOf(rows, row, 18);
  a.resolved_at_ms = rows.Int(row, 19);
  return a;
}

}  // namespace metrify::alerts::pg_rows
