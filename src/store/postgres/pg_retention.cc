// Retention in scaled mode (pg_retention.h; docs/scaled.md "Retention").
#include "store/postgres/pg_retention.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "store/postgres/pg_partitions.h"
#include "store/postgres/pg_rollups.h"

namespace metrify::store {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr std::array<std::string_view, 4> kTables = {"readings", "grid_status", "observations",
                                                     "vee_overlay"};

static_assert(kRollupBlockMeters == 64, "the statements below say 64");

// readings_hourly has only its primary key (meter_key, hour): a condition
// on the hour alone would read the whole table, years of hours of every
// meter. Walking the key range (keys are the registry's dense integers)
// makes it one short index range per meter instead.
constexpr std::string_view kEveryMeter =
    "(SELECT generate_series(min(meter_key), max(meter_key)) AS k FROM readings_hourly) m";

// The hour ending at the cutoff ($1 its start, $2 the cutoff) keeps one
// reading per meter at most, stamped at the cutoff. A row holding that
// reading alone is right as it is (a pass after the worker recomputed it
// leaves it be); a row holding more is deleted and its block marked, so
// the worker recomputes it from what is left; a row without it is only
// deleted. Marks go in sorted, as ingest marks, so the two lock marks in
// the same order.
std::string MarkBoundaryHour() {
  return fmt::format(
      "WITH added AS (INSERT INTO rollup_dirty (meter_block, hour)"
      " SELECT DISTINCT h.meter_key / 64, h.hour FROM {} JOIN readings_hourly h"
      " ON h.meter_key = m.k AND h.hour = $1 AND h.last_ts = $2 AND h.samples > 1 ORDER BY 1, 2"
      " ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM added",
      kEveryMeter);
}
std::string DeleteBoundaryHour() {
  return fmt::format(
      "WITH gone AS (DELETE FROM readings_hourly h USING {} WHERE h.meter_key = m.k"
      " AND h.hour = $1 AND NOT (h.last_ts = $2 AND h.samples = 1)"
      " RETURNING 1) SELECT count(*) FROM gone",
      kEveryMeter);
}

// Every hour row before the one ending at the cutoff ($1).
std::string DeleteEarlierHours() {
  return fmt::format(
      "WITH gone AS (DELETE FROM readings_hourly h USING {} WHERE h.meter_key = m.k"
      " AND h.hour < $1 RETURNING 1) SELECT count(*) FROM gone",
      kEveryMeter);
}

Result<int64_t> CountOf(PgConnection& db, const std::string& sql,
                        const std::vector<std::optional<std::string>>& params) {
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(sql, params));
  return rows.Int(0, 0);
}

// Drops the expired day partitions of every table. Each drop waits at most
// 10 s for the table's lock: a drop queued behind a long query would hold
// up every reader and writer queued behind it in turn.
Status DropPartitions(PgConnection& db, int64_t cutoff_ms, RetentionPass* pass) {
  METRIFY_RETURN_IF_ERROR(db.Exec("SET lock_timeout = '10s'"));
  Status status = Status::Ok();
  for (std::string_view table : kTables) {
    Result<int> dropped = DropDayPartitionsBefore(db, table, cutoff_ms);
    if (!dropped) {
      status = dropped.status();
      break;
    }
    pass->partitions_dropped += *dropped;
  }
  (void)db.Exec("RESET lock_timeout");  // a broken session takes the setting with it
  return status;
}

// The rows the partitions took with them, elsewhere: the default
// partitions', the dirty marks and the hour rows of the hour ending at the
// cutoff. One short transaction, so the API never sees an hour row deleted
// without the mark that says "recompute".
//
// Order matters against a worker recomputing hours at the same time: marks
// first (waiting for a worker that holds one of them to commit; later
// claims skip ours), then the hour rows. The other way round, a worker
// holding a claimed mark could wait for our deleted row while we wait for
// its mark.
Status SettleMarks(PgConnection& db, const std::string& cutoff, const std::string& last_hour,
                   RetentionPass* pass) {
  return db.InTransaction([&]() -> Status {
    for (std::string_view table : kTables) {
      METRIFY_ASSIGN_OR_RETURN(
          int64_t rows,
          CountOf(db,
                  fmt::format("WITH gone AS (DELETE FROM {}_default WHERE ts < $1 RETURNING 1)"
                              " SELECT count(*) FROM gone",
                              table),
                  {cutoff}));
      pass->default_rows_deleted += rows;
    }
    METRIFY_ASSIGN_OR_RETURN(
        pass->dirty_marks_deleted,
        CountOf(db,
                "WITH gone AS (DELETE FROM rollup_dirty WHERE hour < $1 RETURNING 1)"
                " SELECT count(*) FROM gone",
                {last_hour}));
    METRIFY_ASSIGN_OR_RETURN(pass->dirty_marks_added,
                             CountOf(db, MarkBoundaryHour(), {last_hour, cutoff}));
    METRIFY_ASSIGN_OR_RETURN(pass->hour_rows_deleted,
                             CountOf(db, DeleteBoundaryHour(), {last_hour, cutoff}));
    return Status::Ok();
  });
}

// The hour rows of the hours before, whose readings and marks are all gone
// by now: no worker recomputes them, so this long delete (years of rows on
// a first pass, hence no statement timeout) holds nothing anyone waits for.
Status DeleteEarlierHourRows(PgConnection& db, const std::string& last_hour, RetentionPass* pass) {
  return db.InTransaction([&]() -> Status {
    METRIFY_RETURN_IF_ERROR(db.Exec("SET LOCAL statement_timeout = 0"));
    METRIFY_ASSIGN_OR_RETURN(int64_t rows, CountOf(db, DeleteEarlierHours(), {last_hour}));
    pass->hour_rows_deleted += rows;
    return Status::Ok();
  });
}

// The stored quality reports (pg_quality.h) of the days the drop took and
// of the days after them whose daily check counted dropped days as history:
// computed now they would differ, so they go, and the quality worker's sweep
// stores the recent ones again. Day numbers are local days: one more for
// zones ahead of UTC.
Status ForgetQualityDays(PgConnection& db, RetentionPass* pass) {
  const int64_t first_kept_day = FloorDiv(pass->cutoff_ms, kDayMs);
  return db.InTransaction([&]() -> Status {
    METRIFY_ASSIGN_OR_RETURN(
        pass->quality_days_deleted,
        CountOf(db,
                "WITH gone AS (DELETE FROM quality_daily WHERE day < $1 RETURNING 1)"
                " SELECT count(*) FROM gone",
                {std::to_string(first_kept_day + 1 + kQualityHistoryMarginDays)}));
    return db.Exec("DELETE FROM quality_dirty WHERE hour < " + std::to_string(pass->cutoff_ms));
  });
}

// Holds the retention lock for one pass, on `db`'s session.
class PassLock {
 public:
  explicit PassLock(PgConnection& db) : db_(db) {}
  ~PassLock() {
    if (held_) (void)db_.Query("SELECT pg_advisory_unlock($1)", {Key()});
  }
  PassLock(const PassLock&) = delete;
  PassLock& operator=(const PassLock&) = delete;

  Result<bool> TryTake() {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, db_.Query("SELECT pg_try_advisory_lock($1)", {Key()}));
    held_ = rows.Text(0, 0) == "t";
    return held_;
  }

 private:
  static std::string Key() { return std::to_string(kRetentionLockKey); }
  PgConnection& db_;
  bool held_ = false;
};

}  // namespace

int64_t RetentionCutoffMs(int retention_days, int64_t now_ms) {
  return (FloorDiv(now_ms, kDayMs) - retention_days + 1) * kDayMs;
}

Result<RetentionPass> DropExpiredDays(PgConnection& db, int retention_days, int64_t now_ms) {
  if (retention_days < 0) {
    return Status::InvalidArgument(fmt::format(
        "retention_days must be 0 (keep everything) or a number of days, not {}", retention_days));
  }
  RetentionPass pass;
  if (retention_days == 0) return pass;
  PassLock lock(db);
  METRIFY_ASSIGN_OR_RETURN(bool taken, lock.TryTake());
  if (!taken) {
    pass.locked_out = true;
    return pass;
  }
  pass.ran = true;
  pass.cutoff_ms = RetentionCutoffMs(retention_days, now_ms);
  METRIFY_RETURN_IF_ERROR(DropPartitions(db, pass.cutoff_ms, &pass));
  if (pass.partitions_dropped > 0) METRIFY_RETURN_IF_ERROR(ForgetQualityDays(db, &pass));
  const std::string cutoff = std::to_string(pass.cutoff_ms);
  const std::string last_hour = std::to_string(pass.cutoff_ms - kRollupHourMs);
  METRIFY_RETURN_IF_ERROR(SettleMarks(db, cutoff, last_hour, &pass));
  METRIFY_RETURN_IF_ERROR(DeleteEarlierHourRows(db, last_hour, &pass));
  return pass;
}

}  // namespace metrify::store
