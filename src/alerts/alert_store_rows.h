// Internal to SqliteAlertStore: how an Alert maps onto the SQLite rows of
// the `alerts` table (migration 3 in store/sqlite/migrations.cc).
#pragma once

#include <string>
#include <string_view>

#include "alerts/alert.h"
#include "alerts/alert_store_shared.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::alerts::rows {

// Every column, in the order RowOf reads them.
inline constexpr std::string_view kColumns = detail::kColumns;

// Inserts a new alert; binds with BindInsert, returns the id.
inline constexpr std::string_view kInsert =
    "INSERT INTO alerts(type, rule, source_kind, source_id, created_at, severity, message, "
    "first_seen, last_seen, count, value, state, updated_at, acknowledged_by, acknowledge_note, "
    "acknowledged_at, resolved_by, resolve_note, resolved_at) "
    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

// Writes the columns that change while an alert lives; binds with BindUpdate.
// The identity (type, rule, source) and created_at never change.
inline constexpr std::string_view kUpdate =
    "UPDATE alerts SET severity = ?, message = ?, first_seen = ?, last_seen = ?, count = ?, "
    "value = ?, state = ?, updated_at = ?, acknowledged_by = ?, acknowledge_note = ?, "
    "acknowledged_at = ?, resolved_by = ?, resolve_note = ?, resolved_at = ? WHERE id = ?";

// The alert of the current row of a statement selecting kColumns.
Alert RowOf(const store::SqliteStatement& stmt);
void BindInsert(store::SqliteStatement& stmt, const Alert& a);
void BindUpdate(store::SqliteStatement& stmt, const Alert& a);

// Cell readers that accept NULL: "" and NaN.
std::string TextOf(const model::FieldValue& v);
double NumberOf(const model::FieldValue& v);

}  // namespace metrify::alerts::rows
