// Reading a large query result from PostgreSQL a batch at a time, through a
// cursor, so a table of any size needs one batch in memory.
#pragma once

#include <functional>
#include <string_view>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store::migrate_copy {

// Runs `select` and calls `row` for every row of its result, in batches of
// `batch` rows. REQUIRES: inside a transaction on `db` (a cursor lives in
// one). A `row` error stops the reading and is returned; otherwise the
// database's errors.
Status ForEachRow(PgConnection& db, std::string_view select,
                  const std::function<Status(const PgRows& rows, int row)>& row, int batch = 20000);

}  // namespace metrify::store::migrate_copy
