// PgEditLog (pg_edit_log.h): the audit log in PostgreSQL, with the edits in
// force kept in memory and caught up from the database.
#include "vee/pg_edit_log.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "obs/log.h"
#include "store/postgres/pg_quality.h"

namespace metrify::vee {

namespace {

using Param = std::optional<std::string>;
using store::PgRows;

// The first key of the two-key advisory lock Record takes ("edit"). The
// two-key space does not overlap the one-key locks of the migrations and
// partitions.
constexpr int32_t kRecordLockClass = 0x65646974;

constexpr std::string_view kColumns =
    "seq, meter_key, meter_id, timestamp_ms, energy_kwh, register_kwh, old_energy_kwh, "
    "old_register_kwh, old_status, reason, edited_by, edited_at, request_id";

// NaN and empty text are NULL, as the SQLite log writes them; fmt's
// shortest form reads back to the same double.
Param Number(double v) {
  if (std::isnan(v)) return std::nullopt;
  if (std::isinf(v)) return std::string(v > 0 ? "Infinity" : "-Infinity");
  return fmt::format("{}", v);
}
Param NullableText(const std::string& s) { return s.empty() ? Param() : Param(s); }

double NumberOf(const PgRows& rows, int row, int column) {
  if (rows.IsNull(row, column)) return NAN;
  std::string_view text = rows.Text(row, column);
  double v = NAN;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

EditRecord RowOf(const PgRows& rows, int r) {
  EditRecord e;
  e.seq = rows.Int(r, 0);
  e.meter_key = static_cast<uint32_t>(rows.Int(r, 1));
  e.meter_id = rows.Text(r, 2);
  e.timestamp_ms = rows.Int(r, 3);
  e.energy_kwh = NumberOf(rows, r, 4);
  e.register_kwh = NumberOf(rows, r, 5);
  e.old_energy_kwh = NumberOf(rows, r, 6);
  e.old_register_kwh = NumberOf(rows, r, 7);
  e.old_status = rows.Text(r, 8);
  e.reason = rows.Text(r, 9);
  e.edited_by = rows.Text(r, 10);
  e.edited_at_ms = rows.Int(r, 11);
  e.request_id = rows.Text(r, 12);
  return e;
}

}  // namespace

Result<std::unique_ptr<PgEditLog>> PgEditLog::Open(store::PgPool& pool, PgEditLogOptions options) {
  std::unique_ptr<PgEditLog> log(new PgEditLog(pool, options));
  METRIFY_RETURN_IF_ERROR(log->CatchUp());
  log->follower_ = std::jthread([raw = log.get()](std::stop_token stop) { raw->Follow(stop); });
  return log;
}

// follower_'s destructor asks it to stop, which wakes its wait, and joins.
PgEditLog::~PgEditLog() = default;

void PgEditLog::Follow(std::stop_token stop) {
  bool failing = false;
  std::unique_lock lock(follow_mu_);
  for (;;) {
    wake_.wait_for(lock, stop, options_.catch_up_every, [] { return false; });
    if (stop.stop_requested()) return;
    lock.unlock();
    Status caught_up = CatchUp();
    lock.lock();
    // One line when catching up starts failing and one when it works again,
    // not one per period while the database is down.
    if (!caught_up.ok() && !failing) {
      obs::LogWarn("edits of other processes not read; edits in force may be stale",
                   {{"error", caught_up.message()}});
    } else if (caught_up.ok() && failing) {
      obs::LogInfo("edits of other processes read again");
    }
    failing = !caught_up.ok();
  }
}

Status PgEditLog::CatchUp() {
  std::lock_guard catching_up(catch_up_mu_);
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query(fmt::format("SELECT {} FROM reading_edits WHERE seq > $1 ORDER BY seq", kColumns),
                {std::to_string(seen_seq_)}));
  if (rows.size() == 0) return Status::Ok();
  std::lock_guard lock(mu_);
  for (int r = 0; r < rows.size(); ++r) in_force_.Put(RowOf(rows, r));
  seen_seq_ = rows.Int(rows.size() - 1, 0);
  return Status::Ok();
}

Result<EditRecord> PgEditLog::Record(EditRecord unchecked) {
  METRIFY_ASSIGN_OR_RETURN(EditRecord edit, Checked(std::move(unchecked)));
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db->InTransaction([&]() -> Result<PgRows> {
    // Held until COMMIT: seq is drawn and committed by one Record at a
    // time, so edits commit in seq order (see CatchUp).
    METRIFY_RETURN_IF_ERROR(
        db->Query("SELECT pg_advisory_xact_lock($1::int4, 0)", {std::to_string(kRecordLockClass)})
            .status());
    // The edited interval's day and the days after it that it is history
    // of need their stored quality reports again (store/postgres/pg_quality.h).
    METRIFY_RETURN_IF_ERROR(store::MarkQualityDirtyAt(*db, edit.meter_key, edit.timestamp_ms));
    return db->Query(
        "INSERT INTO reading_edits(meter_key, meter_id, timestamp_ms, energy_kwh, "
        "register_kwh, old_energy_kwh, old_register_kwh, old_status, reason, edited_by, "
        "edited_at, request_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
        "RETURNING seq",
        {std::to_string(edit.meter_key), edit.meter_id, std::to_string(edit.timestamp_ms),
         Number(edit.energy_kwh), Number(edit.register_kwh), Number(edit.old_energy_kwh),
         Number(edit.old_register_kwh), edit.old_status, edit.reason, edit.edited_by,
         std::to_string(edit.edited_at_ms), NullableText(edit.request_id)});
  }));
  if (rows.size() != 1) return Status::Internal("recording an edit returned no seq");
  edit.seq = rows.Int(0, 0);
  std::lock_guard lock(mu_);
  in_force_.Put(edit);
  return edit;
}

std::map<int64_t, Edit> PgEditLog::InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const {
  std::lock_guard lock(mu_);
  return in_force_.Range(key, from_ms, to_ms);
}

Result<std::vector<EditRecord>> PgEditLog::History(uint32_t key, int64_t from_ms, int64_t to_ms) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query(fmt::format("SELECT {} FROM reading_edits WHERE meter_key = $1 AND "
                            "timestamp_ms >= $2 AND timestamp_ms < $3 ORDER BY seq",
                            kColumns),
                {std::to_string(key), std::to_string(from_ms), std::to_string(to_ms)}));
  std::vector<EditRecord> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.push_back(RowOf(rows, r));
  return out;
}

}  // namespace metrify::vee
