#include "store/sqlite/migrations.h"

#include <fmt/format.h>

#include "common/time.h"

namespace metrify::store {

namespace {

// Column names equal the wire names of model/*_fields so the repository maps
// them without a translation table. Empty text is stored as NULL so foreign
// keys only bind real references.
constexpr std::string_view kV1Registry = R"sql(
CREATE TABLE grid_operators (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  control_area TEXT,
  capacity_mw REAL,
  voltage_level_kv REAL,
  latitude REAL,
  longitude REAL,
  address TEXT,
  postal_code TEXT,
  city TEXT,
  country TEXT,
  status TEXT NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX grid_operators_type ON grid_operators(type);
CREATE INDEX grid_operators_status ON grid_operators(status);

CREATE TABLE weather_stations (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  provider TEXT,
  type TEXT NOT NULL,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL,
  elevation_m REAL,
  address TEXT,
  postal_code TEXT,
  city TEXT,
  status TEXT NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX weather_stations_status ON weather_stations(status);

-- key is the dense integer the readings engine uses for this meter;
-- AUTOINCREMENT so a deleted meter's key is never handed to a new meter,
-- whose readings would otherwise inherit the old one's.
CREATE TABLE meters (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  latitude REAL,
  longitude REAL,
  address TEXT,
  postal_code TEXT,
  city TEXT,
  grid_operator_id TEXT REFERENCES grid_operators(id) ON UPDATE RESTRICT ON DELETE RESTRICT,
  weather_station_id TEXT REFERENCES weather_stations(id) ON UPDATE RESTRICT ON DELETE RESTRICT,
  manufacturer TEXT,
  model TEXT,
  firmware TEXT,
  serial TEXT,
  installation_date TEXT,
  segment TEXT NOT NULL,
  tariff TEXT NOT NULL,
  load_profile TEXT,
  timezone TEXT NOT NULL,
  register_multiplier REAL NOT NULL,
  register_digits INTEGER NOT NULL,
  register_decimals INTEGER NOT NULL,
  rated_current_a REAL,
  annual_consumption_kwh REAL,
  metadata TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX meters_status ON meters(status);
CREATE INDEX meters_type ON meters(type);
CREATE INDEX meters_segment ON meters(segment);
CREATE INDEX meters_grid_operator ON meters(grid_operator_id);
CREATE INDEX meters_weather_station ON meters(weather_station_id);
CREATE INDEX meters_city ON meters(city COLLATE NOCASE);
)sql";

// The audit log of manual edits (docs/vee.md "Editing"): every edit is a
// row, never updated or deleted; the newest row of a (meter, timestamp)
// is the value in force. meter_key is the engine's key of the meter (ids
// may be reused after a delete, keys never are).
constexpr std::string_view kV2Edits = R"sql(
CREATE TABLE reading_edits (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  meter_key INTEGER NOT NULL,
  meter_id TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  energy_kwh REAL,
  register_kwh REAL,
  old_energy_kwh REAL,
  old_register_kwh REAL,
  old_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  edited_by TEXT NOT NULL,
  edited_at INTEGER NOT NULL,
  request_id TEXT
);
CREATE INDEX reading_edits_meter ON reading_edits(meter_key, timestamp_ms);
)sql";

// Alerts (docs/alerts.md) and the webhook deliveries that gave up. Enums are
// stored by their wire names (alerts/alert.h). An alert row is updated while
// it is open and never deleted; at most one alert per (source, rule) is open,
// which the partial unique index enforces. first_seen/last_seen are data
// times, the other times wall-clock. Every index ends in the implicit rowid
// (id), so "ORDER BY last_seen DESC, id DESC" walks them backwards.
constexpr std::string_view kV3Alerts = R"sql(
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  message TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  count INTEGER NOT NULL,
  value REAL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  acknowledged_by TEXT,
  acknowledge_note TEXT,
  acknowledged_at INTEGER,
  resolved_by TEXT,
  resolve_note TEXT,
  resolved_at INTEGER
);
CREATE UNIQUE INDEX alerts_open_key ON alerts(source_kind, source_id, rule)
  WHERE state <> 'RESOLVED';
CREATE INDEX alerts_last_seen ON alerts(last_seen);
CREATE INDEX alerts_state ON alerts(state, last_seen);
CREATE INDEX alerts_source ON alerts(source_kind, source_id, last_seen);
CREATE INDEX alerts_type ON alerts(type, last_seen);
CREATE INDEX alerts_rule ON alerts(rule, last_seen);

-- No foreign key to alerts: a test delivery has no alert behind it.
CREATE TABLE alert_dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  payload TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX alert_dead_letters_failed ON alert_dead_letters(failed_at);
)sql";

// Every repeat of a finding moves its alert's last_seen, which each index
// ending in last_seen must follow: filters by type or rule are rare enough
// to read the last_seen index instead.
constexpr std::string_view kV4AlertIndexes = R"sql(
DROP INDEX alerts_type;
DROP INDEX alerts_rule;
)sql";

}  // namespace

const std::vector<Migration>& RegistryMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "meters, grid operators and weather stations", kV1Registry},
      {2, "audit log of manual edits of readings", kV2Edits},
      {3, "alerts and webhook dead letters", kV3Alerts},
      {4, "fewer alert indexes to update on every repeat", kV4AlertIndexes},
  };
  return kMigrations;
}

namespace {

Result<int> CurrentVersion(SqliteDb& db) {
  METRIFY_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
              "applied_at INTEGER NOT NULL)"));
  METRIFY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                           db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<int>(stmt.ColumnInt(0)) : 0;
}

Status ApplyOne(SqliteDb& db, const Migration& m) {
  METRIFY_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status status = db.Exec(m.sql);
  if (status.ok()) {
    auto stmt = db.Prepare(
        "INSERT INTO schema_migrations(version, description, applied_at) VALUES(?, ?, ?)");
    status = stmt.status();
    if (status.ok()) {
      stmt->Bind(1, static_cast<int64_t>(m.version));
      stmt->Bind(2, std::string(m.description));
      stmt->Bind(3, NowMillis());
      status = stmt->Run();
    }
  }
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return Status(status.code(), fmt::format("migration {} ({}) failed: {}", m.version,
                                             m.description, status.message()));
  }
  return db.Exec("COMMIT");
}

}  // namespace

Result<int> ApplyMigrations(SqliteDb& db, const std::vector<Migration>& migrations) {
  METRIFY_ASSIGN_OR_RETURN(int version, CurrentVersion(db));
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return Status::InvalidArgument(
        fmt::format("{} has schema version {}, newer than this metrify knows ({}); upgrade metrify",
                    db.path(), version, newest));
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    METRIFY_RETURN_IF_ERROR(ApplyOne(db, m));
    version = m.version;
  }
  return version;
}

}  // namespace metrify::store
