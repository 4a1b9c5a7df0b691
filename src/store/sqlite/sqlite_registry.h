// SqliteRegistry: the embedded RegistryStore, one SQLite database
// (registry.db) in the data directory, WAL mode, migrated on open.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "store/registry_store.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_entity_repository.h"

namespace metrify::store {

class SqliteRegistry : public RegistryStore {
 public:
  // Opens or creates `data_dir`/registry.db (creating data_dir too) and
  // applies pending migrations. Errors: IOError naming the path; the
  // migration's error when one fails.
  static Result<std::unique_ptr<SqliteRegistry>> Open(const std::string& data_dir);

  EntityRepository<model::Meter>& meters() override { return meters_; }
  EntityRepository<model::GridOperator>& grid_operators() override { return operators_; }
  EntityRepository<model::WeatherStation>& weather_stations() override { return stations_; }
  Result<std::string> NearestWeatherStation(double latitude, double longitude) override;
  Status Ping() override;
  int SchemaVersion() const override { return schema_version_; }

  // Writes a consistent copy of the database to `path`, a file that must not
  // exist, with SQLite's online backup API while writes go on: a separate
  // read-only connection copies every page in one step, inside one read
  // transaction, so the copy is the database as of that transaction's start
  // (WAL mode lets writers commit meanwhile). The copy is synced; syncing
  // its directory is the caller's. Errors: InvalidArgument (path exists),
  // IOError (a partial copy is removed).
  Status BackupTo(const std::string& path);
  // The database file, data_dir/registry.db.
  const std::string& path() const { return db_->path(); }

 private:
  SqliteRegistry(std::unique_ptr<SqliteDb> db, int schema_version);

  std::unique_ptr<SqliteDb> db_;
  std::mutex mu_;  // guards db_
  int schema_version_;
  SqliteEntityRepository<model::Meter> meters_;
  SqliteEntityRepository<model::GridOperator> operators_;
  SqliteEntityRepository<model::WeatherStation> stations_;
};

}  // namespace metrify::store
