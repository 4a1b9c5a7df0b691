// SqliteDb: a thin RAII adapter over one SQLite connection. It turns SQLite
// result codes into Status and model::FieldValue into bound parameters, so
// the registry code above it never touches the C API.
//
// Not thread-safe: the owner serialises access (SqliteRegistry holds a mutex).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "model/field.h"

namespace metrify::store {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds parameter `index` (1-based). Strings are copied by SQLite.
  void Bind(int index, const model::FieldValue& value);
  // Advances: true when a row is ready, false when done. Errors map SQLite
  // codes: CONSTRAINT_UNIQUE/PRIMARYKEY -> AlreadyExists,
  // other constraints (foreign keys) -> Conflict, BUSY -> Unavailable, others -> IOError.
  Result<bool> Step();
  // Runs to completion, ignoring rows.
  Status Run();
  // Column `index` (0-based) of the current row; NULL reads as monostate.
  model::FieldValue Column(int index) const;
  int64_t ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }
  void Reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path`, turns on WAL mode,
  // foreign keys and a busy timeout. Errors: IOError naming the path.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// Maps a SQLite result code to a Status with `context` and SQLite's message.
Status SqliteStatus(sqlite3* db, int rc, std::string_view context);

}  // namespace metrify::store
