// The audit tables of `metrify migrate copy`: reading_edits (manual edits of
// readings), alerts and alert_dead_letters, which have the same columns in
// registry.db and in PostgreSQL (migrations 2 and 3 of both). Rows keep
// their seq and id (OVERRIDING SYSTEM VALUE), so alert ids people have
// written down stay valid and the edit log's seq order holds; the
// identities then continue after the highest copied value.
//
// reading_edits.meter_key is translated to the meter's PostgreSQL key. An
// edit of a meter deleted since has no meter to translate to: it is kept
// with meter_key 0, which no PostgreSQL meter has.
//
// The columns are listed in audit_copy.cc; a column either store has that
// the list lacks (a later migration) stops the copy instead of being lost.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/migrate_copy/copy_report.h"
#include "store/migrate_copy/key_translation.h"
#include "store/postgres/pg_connection.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::store::migrate_copy {

// The audit tables, in copy order.
const std::vector<std::string_view>& AuditTables();

struct AuditCopy {
  Tally tally;            // the rows read from registry.db
  uint64_t orphaned = 0;  // rows whose meter_key resolved to no meter
};

// Copies `table` (one of AuditTables()) from `source` into `target`, inside
// the caller's transaction, in batches, in seq/id order, and moves the
// table's identity past the copied values. `meters` translates meter keys.
// The tally hashes a meter key as the id it resolves to (NULL when none),
// as TallyAuditTable does on the target. Errors: the databases'.
Result<AuditCopy> CopyAuditTable(std::string_view table, SqliteDb& source, PgConnection& target,
                                 const KeyTranslation& meters, const ProgressFn& progress);

// The tally of `table` in PostgreSQL, read in the caller's (read-only)
// transaction. Errors: the database's.
Result<Tally> TallyAuditTable(std::string_view table, PgConnection& target);

}  // namespace metrify::store::migrate_copy
