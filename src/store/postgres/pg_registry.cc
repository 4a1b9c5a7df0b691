// PgRegistry: the RegistryStore of scaled mode on PostgreSQL (pg_registry.h).
#include "store/postgres/pg_registry.h"

#include <limits>

#include <fmt/format.h>

#include "model/location.h"
#include "store/postgres/pg_migrations.h"

namespace metrify::store {

namespace {

// Reads the version without PgMigrationStatus, which creates
// schema_migrations when it is missing: opening the store writes nothing.
Result<int> AppliedVersion(PgConnection& db) {
  METRIFY_ASSIGN_OR_RETURN(PgRows table,
                           db.Query("SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (table.Text(0, 0) != "t") return 0;
  METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                           db.Query("SELECT COALESCE(max(version), 0) FROM schema_migrations"));
  return static_cast<int>(rows.Int(0, 0));
}

}  // namespace

Result<std::unique_ptr<PgRegistry>> PgRegistry::Open(PgPool& pool) {
  const int needed = PgMigrations().empty() ? 0 : PgMigrations().back().version;
  METRIFY_ASSIGN_OR_RETURN(PgLease lease, pool.Acquire());
  METRIFY_ASSIGN_OR_RETURN(int version, AppliedVersion(*lease));
  if (version < needed) {
    return Status::Unavailable(
        fmt::format("the database at {} has schema version {}, this metrify needs {}; run "
                    "`metrify migrate up`",
                    lease->where(), version, needed));
  }
  if (version > needed) {
    return Status::InvalidArgument(
        fmt::format("the database at {} has schema version {}, newer than this metrify knows "
                    "({}); upgrade metrify",
                    lease->where(), version, needed));
  }
  return std::unique_ptr<PgRegistry>(new PgRegistry(pool, version));
}

PgRegistry::PgRegistry(PgPool& pool, int schema_version)
    : pool_(pool),
      schema_version_(schema_version),
      meters_(pool),
      operators_(pool),
      stations_(pool) {}

// The embedded store's loop, on the same doubles in the same (key) order, so
// both stores pick the same station, ties included. A few thousand stations
// at most: fetching them all is cheaper than keeping two formulas in step.
Result<std::string> PgRegistry::NearestWeatherStation(double latitude, double longitude) {
  return WithPgConnection(pool_, PgCall::kRead, [&](PgConnection& db) -> Result<std::string> {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                             db.Query("SELECT id, latitude, longitude FROM weather_stations "
                                      "WHERE status = 'ACTIVE' ORDER BY key"));
    std::string nearest;
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < rows.size(); ++i) {
      auto lat = pg_field::FromText(model::FieldKind::kNumber, rows.Text(i, 1));
      auto lon = pg_field::FromText(model::FieldKind::kNumber, rows.Text(i, 2));
      if (rows.IsNull(i, 1) || rows.IsNull(i, 2) || !lat || !lon) continue;
      const double km =
          model::DistanceKm(latitude, longitude, std::get<double>(*lat), std::get<double>(*lon));
      if (km < best) {
        best = km;
        nearest = rows.Text(i, 0);
      }
    }
    return nearest;
  });
}

Status PgRegistry::Ping() {
  return WithPgConnection(pool_, PgCall::kRead, [](PgConnection& db) {
    return db.Query("SELECT 1 FROM schema_migrations LIMIT 1").status();
  });
}

}  // namespace metrify::store
