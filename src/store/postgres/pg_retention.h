// Retention in scaled mode (docs/scaled.md "Retention"): storage.retention_days
// enforced on PostgreSQL as the embedded engine enforces it on its segment
// files (store/engine/retention.cc). Days are UTC days; with retention_days
// N the days kept are today and the N - 1 before it, so the cutoff is the
// midnight that starts the oldest kept day, and every row with ts < cutoff
// goes:
// - the day partitions of readings, grid_status, observations and
//   vee_overlay that end at or before the cutoff are dropped whole
//   (pg_partitions.h), and rows older than the cutoff that sit in a
//   table's default partition are deleted;
// - the hourly rollups follow (pg_rollups.h): hour rows and dirty marks of
//   hours whose readings are all gone are deleted. The hour ending at the
//   cutoff (hour < ts <= cutoff) keeps one reading at most per meter, the
//   one stamped exactly at the cutoff midnight, which lies in the kept
//   day's partition: a row of that hour that holds more is deleted and its
//   block marked dirty, so `metrify worker process` recomputes it from the
//   reading left; a row without that reading is deleted.
// - stored quality reports (quality_daily, pg_quality.h) of the dropped
//   days and of the kQualityHistoryMarginDays after them are deleted when
//   a pass drops partitions (their daily check counted the dropped days);
// - latest_samples is left alone: see DropExpiredDays.
//
// Callers: `metrify worker process` (worker/retention_worker.h), on a
// schedule. Any number of processes may call it at once: one pass runs at
// a time (a session advisory lock); the others return at once.
//
// Thread safety: a free function on a caller's connection (one thread).
#pragma once

#include <cstdint>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store {

// The advisory lock one retention pass holds: "RETAIN" in ASCII. Never
// change it: replicas of two releases during a rolling update must contend
// for the same lock.
inline constexpr int64_t kRetentionLockKey = 0x52455441494e;

// What one DropExpiredDays call did.
struct RetentionPass {
  // False when retention is off (retention_days 0) or another process held
  // the lock (locked_out); nothing was done then.
  bool ran = false;
  bool locked_out = false;
  int64_t cutoff_ms = 0;             // the first instant kept (a UTC midnight); 0 when off
  int partitions_dropped = 0;        // day partitions, all four tables together
  int64_t default_rows_deleted = 0;  // rows older than the cutoff in the default partitions
  int64_t hour_rows_deleted = 0;     // readings_hourly rows
  int64_t dirty_marks_deleted = 0;   // rollup_dirty marks of hours that are gone
  int64_t dirty_marks_added = 0;     // blocks of the hour ending at the cutoff, to recompute
  int64_t quality_days_deleted = 0;  // stored quality reports (quality_daily) gone stale
};

// Stored quality reports of the days this close after the cutoff are
// deleted with the partitions: their daily check took up to
// 2 x daily.min_history_days days before them as history (a setting up to
// 200 days is covered).
inline constexpr int64_t kQualityHistoryMarginDays = 400;

// One retention pass for `retention_days` (0: keep everything, returns at
// once with ran false) at wall time `now_ms` (epoch ms). Partitions are
// dropped one table at a time (each in its own short transaction, which
// takes ACCESS EXCLUSIVE on the table for the drop: it waits at most 10 s
// for readers and writers, then fails and the next pass tries again); then
// one short transaction deletes the default partitions' old rows and the
// dirty marks and settles the hour ending at the cutoff, and a last one
// deletes the earlier hour rows. A failure part way leaves a state the
// next pass completes: each step depends only on the cutoff.
//
// latest_samples keeps its rows, as the embedded engine keeps its latest
// index (store/engine/latest_index.h) when retention drops a partition:
// the newest sample of a series silent for longer than the window stays
// the answer to "latest", and the monitor keeps seeing the series as
// silent (no_data) rather than never heard of.
//
// REQUIRES: `db` outside any transaction. Errors: InvalidArgument for
// retention_days < 0; the database's otherwise (Unavailable while it
// cannot be reached).
Result<RetentionPass> DropExpiredDays(PgConnection& db, int retention_days, int64_t now_ms);

// The cutoff for `retention_days` at `now_ms`: the UTC midnight starting
// the oldest day kept. REQUIRES: retention_days > 0.
int64_t RetentionCutoffMs(int retention_days, int64_t now_ms);

}  // namespace metrify::store
