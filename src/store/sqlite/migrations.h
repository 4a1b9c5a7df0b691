// Versioned schema migrations of the embedded registry database
// (registry.db in the data directory). Each migration runs once, in its own
// transaction, in version order; the table schema_migrations records which
// have run. Migrations are history: never edit one that has shipped, add
// the next version instead.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// All migrations, ascending by version.
const std::vector<Migration>& RegistryMigrations();

// Applies every migration newer than the database's version. Returns the
// resulting version. Errors: InvalidArgument when the
// database is newer than this binary knows; the SQLite error otherwise (the
// failing migration is rolled back and named).
Result<int> ApplyMigrations(SqliteDb& db, const std::vector<Migration>& migrations);

}  // namespace metrify::store
