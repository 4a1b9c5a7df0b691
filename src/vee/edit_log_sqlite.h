// SqliteEditLog: the EditLog of one process (edit_log.h), on the
// reading_edits table of registry.db (migration 2 in
// store/sqlite/migrations.cc). Every edit is recorded through this log, so
// the edits in force in memory are always complete.
//
// Lifecycle: EditLog::Open() once at start-up, after the registry has
// migrated registry.db; the log owns its own SQLite connection.
// Thread safety: all methods may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "vee/edit_log.h"

namespace metrify::vee {

class SqliteEditLog final : public EditLog {
 public:
  // As EditLog::Open.
  static Result<std::unique_ptr<SqliteEditLog>> Open(const std::string& db_path);

  Result<EditRecord> Record(EditRecord edit) override;
  std::map<int64_t, Edit> InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const override;
  Result<std::vector<EditRecord>> History(uint32_t key, int64_t from_ms, int64_t to_ms) override;

 private:
  explicit SqliteEditLog(std::unique_ptr<store::SqliteDb> db) : db_(std::move(db)) {}
  Status Load();

  mutable std::mutex mu_;
  std::unique_ptr<store::SqliteDb> db_;  // guarded by mu_
  EditsInForce in_force_;                // guarded by mu_
};

}  // namespace metrify::vee
