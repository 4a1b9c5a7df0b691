// How an Alert maps onto the SQLite rows of the `alerts` table.
#include "alerts/alert_store_rows.h"

#include <cmath>
#include <variant>

namespace metrify::alerts::rows {

namespace {

// Empty text and unset times are stored as NULL, as in the registry tables.
model::FieldValue NullableText(const std::string& s) {
  return s.empty() ? model::FieldValue{} : model::FieldValue{s};
}
model::FieldValue NullableTime(int64_t ms) {
  return ms == 0 ? model::FieldValue{} : model::FieldValue{ms};
}
model::FieldValue NullableNumber(double v) {
  return std::isnan(v) ? model::FieldValue{} : model::FieldValue{v};
}
model::FieldValue Name(std::string_view name) { return std::string(name); }

// Binds the columns that change, in kUpdate's order, from `index` on.
void BindMutable(store::SqliteStatement& stmt, const Alert& a, int index) {
  stmt.Bind(index, Name(SeverityName(a.severity)));
  stmt.Bind(index + 1, a.message);
  stmt.Bind(index + 2, a.first_seen_ms);
  stmt.Bind(index + 3, a.last_seen_ms);
  stmt.Bind(index + 4, a.count);
  stmt.Bind(index + 5, NullableNumber(a.value));
  stmt.Bind(index + 6, Name(StateName(a.state)));
  stmt.Bind(index + 7, a.updated_at_ms);
  stmt.Bind(index + 8, NullableText(a.acknowledged_by));
  stmt.Bind(index + 9, NullableText(a.acknowledge_note));
  stmt.Bind(index + 10, NullableTime(a.acknowledged_at_ms));
  stmt.Bind(index + 11, NullableText(a.resolved_by));
  stmt.Bind(index + 12, NullableText(a.resolve_note));
  stmt.Bind(index + 13, NullableTime(a.resolved_at_ms));
}

}  // namespace

std::string TextOf(const model::FieldValue& v) {
  const std::string* s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

double NumberOf(const model::FieldValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return NAN;
}

// Names this store never wrote (a hand-edited row) read as the defaults.
Alert RowOf(const store::SqliteStatement& stmt) {
  Alert a;
  a.id = stmt.ColumnInt(0);
  a.type = TextOf(stmt.Column(1));
  a.rule = TextOf(stmt.Column(2));
  a.severity = ParseSeverity(TextOf(stmt.Column(3))).value_or(Severity::kWarning);
  a.source_kind = ParseSourceKind(TextOf(stmt.Column(4))).value_or(SourceKind::kMeter);
  a.source_id = TextOf(stmt.Column(5));
  a.message = TextOf(stmt.Column(6));
  a.first_seen_ms = stmt.ColumnInt(7);
  a.last_seen_ms = stmt.ColumnInt(8);
  a.count = stmt.ColumnInt(9);
  a.value = NumberOf(stmt.Column(10));
  a.state = ParseState(TextOf(stmt.Column(11))).value_or(AlertState::kOpen);
  a.created_at_ms = stmt.ColumnInt(12);
  a.updated_at_ms = stmt.ColumnInt(13);
  a.acknowledged_by = TextOf(stmt.Column(14));
  a.acknowledge_note = TextOf(stmt.Column(15));
  a.acknowledged_at_ms = stmt.ColumnInt(16);
  a.resolved_by = TextOf(stmt.Column(17));
  a.resolve_note = TextOf(stmt.Column(18));
  a.resolved_at_ms = stmt.ColumnInt(19);
  return a;
}

void BindInsert(store::SqliteStatement& stmt, const Alert& a) {
  stmt.Bind(1, a.type);
  stmt.Bind(2, a.rule);
  stmt.Bind(3, Name(SourceKindName(a.source_kind)));
  stmt.Bind(4, a.source_id);
  stmt.Bind(5, a.created_at_ms);
  BindMutable(stmt, a, 6);
}

void BindUpdate(store::SqliteStatement& stmt, const Alert& a) {
  BindMutable(stmt, a, 1);
  stmt.Bind(15, a.id);
}

}  // namespace metrify::alerts::rows
