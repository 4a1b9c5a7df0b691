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

Status SqliteRegistry::BackupTo(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) || ec) {
    return Status::InvalidArgument(fmt::format("registry backup {} exists already", path));
  }
  // Closes both connections however the copy ends.
  struct Connections {
    sqlite3* source = nullptr;
    sqlite3* target = nullptr;
    ~Connections() {
      sqlite3_close_v2(source);
      sqlite3_close_v2(target);
    }
  } c;
  int rc = sqlite3_open_v2(db_->path().c_str(), &c.source, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteStatus(c.source, rc, "registry backup: cannot open " + db_->path());
  }
  rc =
      sqlite3_open_v2(path.c_str(), &c.target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Status status;
  if (rc != SQLITE_OK) {
    status = SqliteStatus(c.target, rc, "registry backup: cannot create " + path);
  } else {
    sqlite3_busy_timeout(c.source, 5000);
    sqlite3_busy_timeout(c.target, 5000);
    rc = sqlite3_exec(c.target, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
    sqlite3_backup* backup =
        rc == SQLITE_OK ? sqlite3_backup_init(c.target, "main", c.source, "main") : nullptr;
    if (backup == nullptr) {
      status = SqliteStatus(c.target, sqlite3_errcode(c.target), "registry backup: cannot start");
    } else {
      // -1: all pages in one step, so one read transaction sees one state.
      // Busy only while the source cannot take a read lock at all (WAL
      // recovery after a crash, say): wait and try again.
      for (int attempt = 0;; ++attempt) {
        rc = sqlite3_backup_step(backup, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == 100) break;
        sqlite3_sleep(50);
      }
      const int finished = sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) {
        status = Status::IOError(
            fmt::format("registry backup into {} failed: {}", path, sqlite3_errstr(rc)));
      } else if (finished != SQLITE_OK) {
        status = SqliteStatus(c.target, finished, "registry backup into " + path + " failed");
      }
    }
  }
  if (!status.ok()) {
    sqlite3_close_v2(c.target);
    c.target = nullptr;
    std::filesystem::remove(path, ec);
    std::filesystem::remove(path + "-journal", ec);
  }
  return status;
}

Status SqliteRegistry::Ping() {
  std::lock_guard lock(mu_);
  METRIFY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                           db_->Prepare("SELECT 1 FROM schema_migrations LIMIT 1"));
  return stmt.Step().status();
}

}  // namespace metrify::store
