// SqliteEditLog (edit_log_sqlite.h): the audit log in registry.db.
#include "vee/edit_log_sqlite.h"

#include <cmath>
#include <variant>

#include <fmt/format.h>

namespace metrify::vee {

namespace {

constexpr std::string_view kColumns =
    "seq, meter_key, meter_id, timestamp_ms, energy_kwh, register_kwh, old_energy_kwh, "
    "old_register_kwh, old_status, reason, edited_by, edited_at, request_id";

model::FieldValue Nullable(double v) {
  return std::isnan(v) ? model::FieldValue{} : model::FieldValue{v};
}

double NumberOf(const model::FieldValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return NAN;
}

std::string TextOf(const model::FieldValue& v) {
  const std::string* s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

EditRecord RowOf(const store::SqliteStatement& stmt) {
  EditRecord r;
  r.seq = stmt.ColumnInt(0);
  r.meter_key = static_cast<uint32_t>(stmt.ColumnInt(1));
  r.meter_id = TextOf(stmt.Column(2));
  r.timestamp_ms = stmt.ColumnInt(3);
  r.energy_kwh = NumberOf(stmt.Column(4));
  r.register_kwh = NumberOf(stmt.Column(5));
  r.old_energy_kwh = NumberOf(stmt.Column(6));
  r.old_register_kwh = NumberOf(stmt.Column(7));
  r.old_status = TextOf(stmt.Column(8));
  r.reason = TextOf(stmt.Column(9));
  r.edited_by = TextOf(stmt.Column(10));
  r.edited_at_ms = stmt.ColumnInt(11);
  r.request_id = TextOf(stmt.Column(12));
  return r;
}

}  // namespace

Result<std::unique_ptr<EditLog>> EditLog::Open(const std::string& db_path) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteEditLog> log, SqliteEditLog::Open(db_path));
  return std::unique_ptr<EditLog>(std::move(log));
}

Result<std::unique_ptr<SqliteEditLog>> SqliteEditLog::Open(const std::string& db_path) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(db_path));
  std::unique_ptr<SqliteEditLog> log(new SqliteEditLog(std::move(db)));
  METRIFY_RETURN_IF_ERROR(log->Load());
  return log;
}

Status SqliteEditLog::Load() {
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM reading_edits ORDER BY seq", kColumns)));
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    in_force_.Put(RowOf(stmt));
  }
  return Status::Ok();
}

Result<EditRecord> SqliteEditLog::Record(EditRecord unchecked) {
  METRIFY_ASSIGN_OR_RETURN(EditRecord edit, Checked(std::move(unchecked)));
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare("INSERT INTO reading_edits(meter_key, meter_id, timestamp_ms, energy_kwh, "
                   "register_kwh, old_energy_kwh, old_register_kwh, old_status, reason, "
                   "edited_by, edited_at, request_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) "
                   "RETURNING seq"));
  stmt.Bind(1, static_cast<int64_t>(edit.meter_key));
  stmt.Bind(2, edit.meter_id);
  stmt.Bind(3, edit.timestamp_ms);
  stmt.Bind(4, Nullable(edit.energy_kwh));
  stmt.Bind(5, Nullable(edit.register_kwh));
  stmt.Bind(6, Nullable(edit.old_energy_kwh));
  stmt.Bind(7, Nullable(edit.old_register_kwh));
  stmt.Bind(8, edit.old_status);
  stmt.Bind(9, edit.reason);
  stmt.Bind(10, edit.edited_by);
  stmt.Bind(11, edit.edited_at_ms);
  stmt.Bind(12, edit.request_id);
  METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (row) edit.seq = stmt.ColumnInt(0);
  METRIFY_RETURN_IF_ERROR(stmt.Run());
  in_force_.Put(edit);
  return edit;
}

std::map<int64_t, Edit> SqliteEditLog::InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const {
  std::lock_guard lock(mu_);
  return in_force_.Range(key, from_ms, to_ms);
}

Result<std::vector<EditRecord>> SqliteEditLog::History(uint32_t key, int64_t from_ms,
                                                       int64_t to_ms) {
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      store::SqliteStatement stmt,
      db_->Prepare(fmt::format("SELECT {} FROM reading_edits WHERE meter_key = ? AND "
                               "timestamp_ms >= ? AND timestamp_ms < ? ORDER BY seq",
                               kColumns)));
  stmt.Bind(1, static_cast<int64_t>(key));
  stmt.Bind(2, from_ms);
  stmt.Bind(3, to_ms);
  std::vector<EditRecord> out;
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(RowOf(stmt));
  }
  return out;
}

}  // namespace metrify::vee
