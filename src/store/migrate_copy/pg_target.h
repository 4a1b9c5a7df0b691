// The PostgreSQL database `metrify migrate copy` fills: checks that it is
// fit to receive a copy (the newest schema, nothing in it) and keeps other
// writers out while the copy runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store::migrate_copy {

// Every table the copy writes, in the order it writes them.
const std::vector<std::string_view>& CopiedTables();

// OK when the schema is at this binary's newest migration. Errors:
// InvalidArgument naming `metrify migrate up` for an older schema, and the
// migration runner's for a newer one; the database's.
Status CheckSchemaIsNewest(PgConnection& db);

// What the target holds already, e.g. "3 meters, 1 alert, readings" (the
// series tables are only probed, not counted); "" when it is empty.
// Errors: the database's.
Result<std::string> DescribeContents(PgConnection& db);

// Conflict naming what the target holds unless it is empty.
Status CheckEmpty(PgConnection& db);

// Inside the copy's transaction: locks every copied table against writes
// (readers go on) until the transaction ends, waiting at most 30 s for
// writers already at work, then checks again that they are empty, since
// another process may have written between the first check and the lock.
// Errors: Conflict as CheckEmpty; the database's (a lock timeout).
Status LockEmptyTables(PgConnection& db);

}  // namespace metrify::store::migrate_copy
