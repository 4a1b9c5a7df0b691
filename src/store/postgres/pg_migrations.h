// Versioned schema migrations of the PostgreSQL database of scaled mode
// (issue 8; `metrify migrate up|status`). The same rules as the embedded
// registry's (store/sqlite/migrations.h): each migration runs once, in its
// own transaction, in version order, recorded in schema_migrations; never
// edit one that has shipped, add the next version. Several processes may
// migrate at once (replicas starting together): a session advisory lock
// lets one apply and the others find the work done.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store {

struct PgMigration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// All migrations, ascending by version.
const std::vector<PgMigration>& PgMigrations();

struct PgMigrationState {
  int version = 0;  // the newest applied, 0 for an empty database
  struct Applied {
    int version;
    std::string description;
    std::string applied_at;  // RFC 3339, UTC
  };
  std::vector<Applied> applied;
  std::vector<const PgMigration*> pending;  // known to this binary, not applied
};

// What has been applied and what is pending. Errors: InvalidArgument when
// the database is newer than this binary; the connection's otherwise.
Result<PgMigrationState> PgMigrationStatus(PgConnection& db,
                                           const std::vector<PgMigration>& migrations);

// Applies every pending migration. Returns the resulting version. Errors:
// as PgMigrationStatus, and the failing migration's (rolled back, named).
Result<int> ApplyPgMigrations(PgConnection& db, const std::vector<PgMigration>& migrations);

}  // namespace metrify::store
