// EditLog: manual edits of meter readings and their audit trail
// (docs/vee.md "Editing"). An edit sets the validated value of one interval
// (status EDITED, rule manual_edit) with a mandatory reason; the raw
// reading is never touched. Every edit is appended to the reading_edits
// table (so backups carry it) with who, when, the value before and after,
// and why; the newest edit of an interval (the highest seq) is in force.
// The edits in force are kept in memory: the validated read path and VEE
// look them up per window, and InForce never waits for a database.
//
// Two implementations behind this interface:
// - SqliteEditLog (edit_log_sqlite.h, EditLog::Open): registry.db, one
//   process.
// - PgEditLog (pg_edit_log.h): PostgreSQL in scaled mode; edits recorded by
//   other processes come into force here within a bounded delay.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "vee/validator.h"

namespace metrify::vee {

// One row of the audit log.
struct EditRecord {
  int64_t seq = 0;  // order of the edits, from 1
  uint32_t meter_key = 0;
  std::string meter_id;
  int64_t timestamp_ms = 0;                             // the interval end edited
  double energy_kwh = NAN, register_kwh = NAN;          // the new values (NaN: not set)
  double old_energy_kwh = NAN, old_register_kwh = NAN;  // the validated values before
  std::string old_status;                               // MEASURED, ESTIMATED, ...
  std::string reason, edited_by;
  int64_t edited_at_ms = 0;
  std::string request_id;
};

class EditLog {
 public:
  // Opens the audit table of the registry database at `db_path` (already
  // migrated by the registry) and loads the edits in force: a
  // SqliteEditLog. Errors: the database's.
  static Result<std::unique_ptr<EditLog>> Open(const std::string& db_path);

  virtual ~EditLog() = default;

  // Appends `edit` (seq is assigned; edited_at_ms is now when 0) and puts it
  // in force here at once. Returns the edit as stored. Errors:
  // InvalidArgument when neither value is set or reason/edited_by is empty;
  // the database's, nothing stored.
  virtual Result<EditRecord> Record(EditRecord edit) = 0;

  // The edits in force for meter `key` with interval ends in [from, to),
  // from memory.
  virtual std::map<int64_t, Edit> InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const = 0;
  // The audit trail of meter `key` for interval ends in [from, to), oldest
  // first, from the database. Errors: the database's.
  virtual Result<std::vector<EditRecord>> History(uint32_t key, int64_t from_ms, int64_t to_ms) = 0;

 protected:
  // `edit` fit to be recorded, with edited_at_ms set; InvalidArgument as
  // Record says otherwise.
  static Result<EditRecord> Checked(EditRecord edit);
};

// The edits in force, by meter and interval end: what both logs keep in
// memory. Not thread-safe; the logs guard it.
class EditsInForce {
 public:
  // Puts `r` in force unless an edit with a higher seq of the same
  // interval is in force already: edits may arrive out of seq order.
  void Put(const EditRecord& r);
  std::map<int64_t, Edit> Range(uint32_t key, int64_t from_ms, int64_t to_ms) const;

 private:
  struct Entry {
    Edit edit;
    int64_t seq = 0;
  };
  std::unordered_map<uint32_t, std::map<int64_t, Entry>> by_meter_;
};

}  // namespace metrify::vee
