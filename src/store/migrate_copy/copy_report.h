// What `metrify migrate copy` did: per table, the rows and checksum read
// from the embedded installation and those found in PostgreSQL afterwards
// (row_digest.h), and its progress while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/migrate_copy/row_digest.h"

namespace metrify::store::migrate_copy {

enum class Phase { kCopying, kVerifying };
// Called while rows are written (kCopying: the table and its rows written
// so far) and as each table's read-back begins (kVerifying, rows 0). Runs
// on the copying thread; keep it cheap (the CLI redraws a line).
using ProgressFn = std::function<void(Phase phase, std::string_view table, uint64_t rows)>;

struct TableReport {
  std::string table;  // the PostgreSQL table, e.g. "readings"
  Tally source;       // read from the embedded installation and written
  Tally target;       // read back from PostgreSQL after the commit
  bool matches() const { return source == target; }
};

struct CopyReport {
  std::string from;                 // the data directory
  std::string to;                   // "host:port/db" (never the password)
  std::vector<TableReport> tables;  // in pg_target.h's CopiedTables() order
  // Edits of meters deleted since (their key resolves to no meter): copied
  // with meter_key 0, which no PostgreSQL meter has.
  uint64_t orphaned_edits = 0;
  double copy_seconds = 0;    // opening the source, copying, committing
  double verify_seconds = 0;  // reading every table back

  bool verified() const {
    for (const TableReport& t : tables) {
      if (!t.matches()) return false;
    }
    return true;
  }
};

}  // namespace metrify::store::migrate_copy
