#include "store/migrate_copy/pg_cursor.h"

#include <fmt/format.h>

namespace metrify::store::migrate_copy {

Status ForEachRow(PgConnection& db, std::string_view select,
                  const std::function<Status(const PgRows& rows, int row)>& row, int batch) {
  METRIFY_RETURN_IF_ERROR(
      db.Exec(fmt::format("DECLARE metrify_copy_cursor NO SCROLL CURSOR FOR {}", select)));
  const std::string fetch = fmt::format("FETCH FORWARD {} FROM metrify_copy_cursor", batch);
  while (true) {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(fetch));
    for (int i = 0; i < rows.size(); ++i) METRIFY_RETURN_IF_ERROR(row(rows, i));
    if (rows.size() < batch) break;
  }
  return db.Exec("CLOSE metrify_copy_cursor");
}

}  // namespace metrify::store::migrate_copy
