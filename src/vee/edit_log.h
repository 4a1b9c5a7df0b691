// EditLog: manual edits of meter readings and their audit trail
// (docs/vee.md "Editing"). An edit sets the validated value of one interval
// (status EDITED, rule manual_edit) with a mandatory reason; the raw
// reading is never touched. Every edit is appended to the reading_edits
// table of registry.db (so backups carry it) with who, when, the value
// before and after, and why; the newest edit of an interval is in force.
// The edits in force are kept in memory: the validated read path and VEE
// look them up per window.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "store/sqlite/sqlite_db.h"
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
  // migrated by the registry) and loads the edits in force.
  static Result<std::unique_ptr<EditLog>> Open(const std::string& db_path);

  // Appends `edit` (seq is assigned) and puts it in force. Errors:
  // InvalidArgument when neither value is set or reason/edited_by is empty;
  // the database's.
  Result<EditRecord> Record(EditRecord edit);

  // The edits in force for meter `key` with interval ends in [from, to).
  std::map<int64_t, Edit> InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const;
  // The audit trail of meter `key` for interval ends in [from, to), oldest first.
  Result<std::vector<EditRecord>> History(uint32_t key, int64_t from_ms, int64_t to_ms);

 private:
  explicit EditLog(std::unique_ptr<store::SqliteDb> db) : db_(std::move(db)) {}
  Status Load();

  mutable std::mutex mu_;
  std::unique_ptr<store::SqliteDb> db_;                             // guarded by mu_
  std::unordered_map<uint32_t, std::map<int64_t, Edit>> in_force_;  // guarded by mu_
};

}  // namespace metrify::vee
