// `metrify migrate copy`: moves a whole embedded installation into an
// empty, migrated PostgreSQL database (scaled mode) and proves it arrived.
//
//   registry.db ──► grid_operators, weather_stations, meters   (registry_copy.h)
//               ──► reading_edits, alerts, alert_dead_letters  (audit_copy.h)
//   engine/     ──► readings, grid_status, observations,       (series_copy.h)
//                   vee_overlay, latest_samples
//
// Steps: check the target (newest schema, empty: pg_target.h); open the
// installation (embedded_source.h: refused while a server has it open);
// make the day partitions; then copy everything in ONE transaction that
// locks the target's tables against other writers, so a failed copy leaves
// the target as it was (but for empty day partitions) and can simply be
// run again; after the commit, read every table back and compare row
// counts and checksums (row_digest.h) with what was read from the source.
//
// Thread safety: none needed; one call does the whole copy on its thread.
#pragma once

#include <string>

#include "common/result.h"
#include "store/migrate_copy/copy_report.h"

namespace metrify::store::migrate_copy {

struct CopyOptions {
  std::string data_dir;  // the embedded installation's data directory
  std::string url;       // postgres://user[:password]@host:port/db
  std::string password;  // postgres.password, for a URL without one; may be empty
  ProgressFn progress;   // may be empty
};

// Copies and verifies. Returns the report; report.verified() tells whether
// every table's rows and checksum matched after the commit (when not, the
// copy stays committed: the mismatches are for a person to look at).
// Errors, with nothing committed: Unavailable when PostgreSQL cannot be
// reached (the message names it without the password); InvalidArgument
// when the data directory is none, or the schema is not the newest (naming
// `metrify migrate up`); Conflict when the target holds data, or a process
// has the installation open; the stores' (IOError, Corruption, ...).
Result<CopyReport> CopyEmbeddedToPostgres(const CopyOptions& options);

}  // namespace metrify::store::migrate_copy
