#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>

namespace metrify::store {

Status SqliteStatus(sqlite3* db, int rc, std::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string message =
      fmt::format("{}: {}", context, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Status::AlreadyExists(std::move(message));
    default:
      break;
  }
  // Foreign keys with ON DELETE RESTRICT report CONSTRAINT_TRIGGER, not
  // CONSTRAINT_FOREIGNKEY: every other constraint is a conflict with stored data.
  if ((extended & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(std::move(message));
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Status::Unavailable(std::move(message));
  }
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
    return Status::Corruption(std::move(message));
  }
  return Status::IOError(std::move(message));
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void SqliteStatement::Bind(int index, const model::FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          sqlite3_bind_null(stmt_, index);
        } else if constexpr (std::is_same_v<V, std::string>) {
          sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        } else if constexpr (std::is_same_v<V, double>) {
          sqlite3_bind_double(stmt_, index, v);
        } else if constexpr (std::is_same_v<V, int64_t>) {
          sqlite3_bind_int64(stmt_, index, v);
        } else if constexpr (std::is_same_v<V, bool>) {
          sqlite3_bind_int(stmt_, index, v ? 1 : 0);
        } else {
          sqlite3_bind_text(stmt_, index, v.text.data(), static_cast<int>(v.text.size()),
                            SQLITE_TRANSIENT);
        }
      },
      value);
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(db_, rc, "registry query failed");
}

Status SqliteStatement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.has_value()) return row.error();
    if (!*row) return Status::Ok();
  }
}

model::FieldValue SqliteStatement::Column(int index) const {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(stmt_, index));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, index);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
      return std::string(text, sqlite3_column_bytes(stmt_, index));
    }
    default:
      return std::monostate();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteStatus(raw, rc, "cannot open registry database " + path);
    sqlite3_close(raw);
    return status;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  // WAL lets readers run beside the writer; NORMAL sync is durable at each
  // WAL checkpoint and never corrupts on power loss, but the registry wants
  // every acknowledged write on disk, so FULL.
  Status status =
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!status.ok()) return status;
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (error) sqlite3_free(error);
  return SqliteStatus(db_, rc, "registry statement failed");
}

Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "registry statement failed to compile");
  return SqliteStatement(db_, stmt);
}

}  // namespace metrify::store
