#include "store/sqlite/sqlite_registry.h"

#include <filesystem>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "model/location.h"
#include "store/sqlite/migrations.h"

namespace metrify::store {

Result<std::unique_ptr<SqliteRegistry>> SqliteRegistry::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create data directory {}: {}", data_dir, ec.message()));
  }
  std::string path = (std::filesystem::path(data_dir) / "registry.db").string();
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  METRIFY_ASSIGN_OR_RETURN(int version, ApplyMigrations(*db, RegistryMigrations()));
  return std::unique_ptr<SqliteRegistry>(new SqliteRegistry(std::move(db), version));
}

SqliteRegistry::SqliteRegistry(std::unique_ptr<SqliteDb> db, int schema_version)
    : db_(std::move(db)),
      schema_version_(schema_version),
      meters_(*db_, mu_),
      operators_(*db_, mu_),
      stations_(*db_, mu_) {}

Result<std::string> SqliteRegistry::NearestWeatherStation(double latitude, double longitude) {
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_->Prepare("SELECT id, latitude, longitude FROM weather_stations WHERE status = 'ACTIVE'"));
  std::string nearest;
  double best = std::numeric_limits<double>::infinity();
  while (true) {
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    model::FieldValue id = stmt.Column(0), lat = stmt.Column(1), lon = stmt.Column(2);
    if (!std::holds_alternative<double>(lat) || !std::holds_alternative<double>(lon)) continue;
    double km =
        model::DistanceKm(latitude, longitude, std::get<double>(lat), std::get<double>(lon));
    if (km < best) {
      best = km;
      nearest = std::get<std::string>(id);
    }
  }
  return nearest;
}

Status SqliteRegistry::Ping() {
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                           db_->Prepare("SELECT 1 FROM schema_migrations LIMIT 1"));
  return stmt.Step().status();
}

}  // namespace metrify::store
