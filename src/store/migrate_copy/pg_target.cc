#include "store/migrate_copy/pg_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/postgres/pg_migrations.h"

namespace metrify::store::migrate_copy {

namespace {

// Tables counted for the message, with their nouns.
struct Counted {
  std::string_view table, one, many;
};
constexpr Counted kCounted[] = {
    {"grid_operators", "grid operator", "grid operators"},
    {"weather_stations", "weather station", "weather stations"},
    {"meters", "meter", "meters"},
    {"reading_edits", "edit", "edits"},
    {"alerts", "alert", "alerts"},
    {"alert_dead_letters", "dead letter", "dead letters"},
};
// Tables that may be large: only whether they hold a row.
constexpr std::string_view kProbed[] = {"readings", "grid_status", "observations", "vee_overlay",
                                        "latest_samples"};

}  // namespace

const std::vector<std::string_view>& CopiedTables() {
  static const std::vector<std::string_view> kTables = {
      "grid_operators", "weather_stations",   "meters",        "reading_edits",
      "alerts",         "alert_dead_letters", "readings",      "grid_status",
      "observations",   "vee_overlay",        "latest_samples"};
  return kTables;
}

Status CheckSchemaIsNewest(PgConnection& db) {
  const std::vector<PgMigration>& migrations = PgMigrations();
  METRIFY_ASSIGN_OR_RETURN(PgMigrationState state, PgMigrationStatus(db, migrations));
  const int newest = migrations.back().version;
  if (state.version == newest) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("the database at {} has schema version {}, a copy needs version {}: run "
                  "`metrify migrate up` on it first",
                  db.where(), state.version, newest));
}

Result<std::string> DescribeContents(PgConnection& db) {
  std::vector<std::string> held;
  for (const Counted& c : kCounted) {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                             db.Query(fmt::format("SELECT count(*) FROM {}", c.table)));
    const int64_t n = rows.Int(0, 0);
    if (n > 0) held.push_back(fmt::format("{} {}", n, n == 1 ? c.one : c.many));
  }
  for (std::string_view table : kProbed) {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                             db.Query(fmt::format("SELECT EXISTS (SELECT 1 FROM {})", table)));
    if (rows.Text(0, 0) == "t") held.emplace_back(table);
  }
  return fmt::format("{}", fmt::join(held, ", "));
}

Status CheckEmpty(PgConnection& db) {
  METRIFY_ASSIGN_OR_RETURN(std::string held, DescribeContents(db));
  if (held.empty()) return Status::Ok();
  return Status::Conflict(fmt::format(
      "the database at {} is not empty: it holds {}; a copy goes only into an empty database "
      "(create a new one and run `metrify migrate up` on it)",
      db.where(), held));
}

Status LockEmptyTables(PgConnection& db) {
  METRIFY_RETURN_IF_ERROR(db.Exec("SET LOCAL lock_timeout = '30s'"));
  // EXCLUSIVE: writers wait until the copy commits; readers do not.
  METRIFY_RETURN_IF_ERROR(
      db.Exec(fmt::format("LOCK TABLE {} IN EXCLUSIVE MODE", fmt::join(CopiedTables(), ", "))));
  return CheckEmpty(db);
}

}  // namespace metrify::store::migrate_copy
