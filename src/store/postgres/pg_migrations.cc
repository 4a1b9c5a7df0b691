#include "store/postgres/pg_migrations.h"

#include <fmt/format.h>

namespace metrify::store {

namespace {

// The registry as in the embedded store (store/sqlite/migrations.cc):
// column names are the wire names of model/*_fields; times are epoch ms as
// there, so both stores map rows the same way; empty text is NULL so
// foreign keys bind only real references. key is the dense integer the
// readings use for a meter; an identity never reuses a deleted meter's.
constexpr std::string_view kV1Registry = R"sql(
CREATE TABLE grid_operators (
  key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  control_area TEXT,
  capacity_mw DOUBLE PRECISION,
  voltage_level_kv DOUBLE PRECISION,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  address TEXT,
  postal_code TEXT,
  city TEXT,
  country TEXT,
  status TEXT NOT NULL,
  metadata JSONB,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX grid_operators_type ON grid_operators(type);
CREATE INDEX grid_operators_status ON grid_operators(status);

CREATE TABLE weather_stations (
  key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  provider TEXT,
  type TEXT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  elevation_m DOUBLE PRECISION,
  address TEXT,
  postal_code TEXT,
  city TEXT,
  status TEXT NOT NULL,
  metadata JSONB,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX weather_stations_status ON weather_stations(status);

CREATE TABLE meters (
  key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
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
  register_multiplier DOUBLE PRECISION NOT NULL,
  register_digits INTEGER NOT NULL,
  register_decimals INTEGER NOT NULL,
  rated_current_a DOUBLE PRECISION,
  annual_consumption_kwh DOUBLE PRECISION,
  metadata JSONB,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX meters_status ON meters(status);
CREATE INDEX meters_type ON meters(type);
CREATE INDEX meters_segment ON meters(segment);
CREATE INDEX meters_grid_operator ON meters(grid_operator_id);
CREATE INDEX meters_weather_station ON meters(weather_station_id);
CREATE INDEX meters_city ON meters(lower(city));
)sql";

// The audit log of manual edits, as in the embedded store: a row per edit,
// never updated or deleted.
constexpr std::string_view kV2Edits = R"sql(
CREATE TABLE reading_edits (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  meter_key BIGINT NOT NULL,
  meter_id TEXT NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  energy_kwh DOUBLE PRECISION,
  register_kwh DOUBLE PRECISION,
  old_energy_kwh DOUBLE PRECISION,
  old_register_kwh DOUBLE PRECISION,
  old_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  edited_by TEXT NOT NULL,
  edited_at BIGINT NOT NULL,
  request_id TEXT
);
CREATE INDEX reading_edits_meter ON reading_edits(meter_key, timestamp_ms);
)sql";

// Alerts and webhook dead letters, as in the embedded store after its
// migration 4 (no indexes by type or rule: every repeat moves last_seen).
constexpr std::string_view kV3Alerts = R"sql(
CREATE TABLE alerts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  message TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  count BIGINT NOT NULL,
  value DOUBLE PRECISION,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  acknowledged_by TEXT,
  acknowledge_note TEXT,
  acknowledged_at BIGINT,
  resolved_by TEXT,
  resolve_note TEXT,
  resolved_at BIGINT
);
CREATE UNIQUE INDEX alerts_open_key ON alerts(source_kind, source_id, rule)
  WHERE state <> 'RESOLVED';
CREATE INDEX alerts_last_seen ON alerts(last_seen, id);
CREATE INDEX alerts_state ON alerts(state, last_seen, id);
CREATE INDEX alerts_source ON alerts(source_kind, source_id, last_seen, id);

CREATE TABLE alert_dead_letters (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id BIGINT NOT NULL,
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  payload TEXT NOT NULL,
  failed_at BIGINT NOT NULL
);
CREATE INDEX alert_dead_letters_failed ON alert_dead_letters(failed_at);
)sql";

// The time series: one table per kind, partitioned by day of the sample's
// time (partitions are made ahead and dropped by retention, by the
// process that owns them). A row is one revision of one sample, as in the
// embedded engine: revision 0 is the raw original and is never changed; a
// different value for the same (entity, ts) is the next revision. Fields
// are nullable columns (absent = NULL). ts is the interval end (readings)
// or the sample's time, epoch ms like the rest of the schema.
constexpr std::string_view kV4Series = R"sql(
CREATE TABLE readings (
  meter_key BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  energy_kwh DOUBLE PRECISION,
  energy_export_kwh DOUBLE PRECISION,
  register_kwh DOUBLE PRECISION,
  voltage_v DOUBLE PRECISION,
  current_a DOUBLE PRECISION,
  power_factor DOUBLE PRECISION,
  frequency_hz DOUBLE PRECISION,
  active_power_kw DOUBLE PRECISION,
  reactive_power_kvar DOUBLE PRECISION,
  PRIMARY KEY (meter_key, ts, revision)
) PARTITION BY RANGE (ts);

CREATE TABLE grid_status (
  operator_key BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  frequency_hz DOUBLE PRECISION,
  voltage_kv DOUBLE PRECISION,
  load_mw DOUBLE PRECISION,
  generation_mw DOUBLE PRECISION,
  renewable_share_pct DOUBLE PRECISION,
  available_capacity_mw DOUBLE PRECISION,
  stability_score DOUBLE PRECISION,
  PRIMARY KEY (operator_key, ts, revision)
) PARTITION BY RANGE (ts);

CREATE TABLE observations (
  station_key BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  temperature_c DOUBLE PRECISION,
  humidity_pct DOUBLE PRECISION,
  pressure_hpa DOUBLE PRECISION,
  wind_speed_ms DOUBLE PRECISION,
  wind_direction_deg DOUBLE PRECISION,
  precipitation_mm DOUBLE PRECISION,
  solar_radiation_wm2 DOUBLE PRECISION,
  cloud_cover_pct DOUBLE PRECISION,
  visibility_km DOUBLE PRECISION,
  PRIMARY KEY (station_key, ts, revision)
) PARTITION BY RANGE (ts);

-- Outside the day partitions: what does not fit one (a clock far off).
CREATE TABLE readings_default PARTITION OF readings DEFAULT;
CREATE TABLE grid_status_default PARTITION OF grid_status DEFAULT;
CREATE TABLE observations_default PARTITION OF observations DEFAULT;
)sql";

// The series store's own tables (store/postgres/pg_series_store.h): VEE's
// verdicts where they differ from raw (keyed and partitioned like readings,
// one row per revision); the newest sample of every series, kept in the
// same transaction as the rows, so "latest" is one index lookup instead of
// a probe of every day partition; and the Kafka offsets an ingest worker
// has applied, written in the transaction of the data they carry, so a
// batch delivered again after a crash is recognised and skipped.
constexpr std::string_view kV5SeriesState = R"sql(
CREATE TABLE vee_overlay (
  meter_key BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  energy_kwh DOUBLE PRECISION,
  energy_export_kwh DOUBLE PRECISION,
  register_kwh DOUBLE PRECISION,
  raw_energy_kwh DOUBLE PRECISION,
  verdict DOUBLE PRECISION,
  late_by_s DOUBLE PRECISION,
  PRIMARY KEY (meter_key, ts, revision)
) PARTITION BY RANGE (ts);
CREATE TABLE vee_overlay_default PARTITION OF vee_overlay DEFAULT;

-- kind: model::SeriesKind (1 reading, 2 grid status, 3 observation,
-- 4 VEE overlay); vals: the kind's fields in order, NULL where absent.
CREATE TABLE latest_samples (
  kind SMALLINT NOT NULL,
  entity_key BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  vals DOUBLE PRECISION[] NOT NULL,
  PRIMARY KEY (kind, entity_key)
);

CREATE TABLE ingest_offsets (
  consumer_group TEXT NOT NULL,
  topic TEXT NOT NULL,
  kafka_partition INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);
)sql";

// The registry refined where the parity tests (tests/scaled/
// registry_parity_test.cc) found v1 unlike the embedded store:
// - metadata TEXT: JSONB reorders keys, drops duplicates, respells numbers
//   and refuses text that is not JSON (the CSV import passes it through),
//   all of which SQLite gives back verbatim. Up to v5 the store kept the
//   text as a JSONB string; #>> '{}' is what it read, so the rows keep the
//   values they had (an object written by something else: its JSONB text).
// - ids COLLATE "C": lists are ordered byte by byte as in SQLite, and only
//   an index of that collation can serve ORDER BY id without sorting every
//   row for each page. The references follow, so the foreign keys compare
//   like with like.
// - The list filters compare lower(column COLLATE "C"): that lower() folds
//   A-Z and nothing else, which is SQLite's NOCASE, so one indexable
//   expression is the whole condition. The plain indexes of the filtered
//   enum columns served no query; those of the references stay for the
//   foreign keys' checks when an operator or station is deleted.
constexpr std::string_view kV6RegistryRefinements = R"sql(
ALTER TABLE meters
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN grid_operator_id TYPE TEXT COLLATE "C",
  ALTER COLUMN weather_station_id TYPE TEXT COLLATE "C",
  ALTER COLUMN metadata TYPE TEXT USING metadata #>> '{}';
ALTER TABLE grid_operators
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN metadata TYPE TEXT USING metadata #>> '{}';
ALTER TABLE weather_stations
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN metadata TYPE TEXT USING metadata #>> '{}';

DROP INDEX meters_status, meters_type, meters_segment, meters_city, grid_operators_type,
  grid_operators_status, weather_stations_status;
CREATE INDEX meters_status ON meters (lower(status COLLATE "C"));
CREATE INDEX meters_type ON meters (lower(type COLLATE "C"));
CREATE INDEX meters_segment ON meters (lower(segment COLLATE "C"));
CREATE INDEX meters_city ON meters (lower(city COLLATE "C"));
CREATE INDEX meters_grid_operator_folded ON meters (lower(grid_operator_id COLLATE "C"));
CREATE INDEX meters_weather_station_folded ON meters (lower(weather_station_id COLLATE "C"));
CREATE INDEX grid_operators_type ON grid_operators (lower(type COLLATE "C"));
CREATE INDEX grid_operators_status ON grid_operators (lower(status COLLATE "C"));
CREATE INDEX weather_stations_type ON weather_stations (lower(type COLLATE "C"));
CREATE INDEX weather_stations_status ON weather_stations (lower(status COLLATE "C"));
)sql";

// Hourly rollups of readings, kept by `metrify worker process`
// (store/postgres/pg_rollups.h, docs/scaled.md "Rollups"). Ingest marks
// the (block of 64 meter keys, hour) pairs it touched in rollup_dirty in
// its own transaction (a block, not a meter: a batch of the whole fleet
// marks 64 times fewer rows on the ingest path); a worker claims and
// deletes a chunk of them (SKIP LOCKED: replicas never share one),
// recomputes those hours of those meters from the latest revisions and
// upserts readings_hourly, in one transaction. An hour row holds the
// readings with hour < ts <= hour + 1 h (stamped at the end of their
// interval). Sums are exact integers in units of 2^-80 kWh (NULL when a
// value is not on that grid), so adding hours never rounds and the API
// can reproduce the raw path's compensated sum to the bit; grid, abs and
// n let it check that it can.
constexpr std::string_view kV7HourlyRollups = R"sql(
CREATE TABLE rollup_dirty (
  meter_block BIGINT NOT NULL,
  hour BIGINT NOT NULL,
  PRIMARY KEY (meter_block, hour)
);

CREATE TABLE readings_hourly (
  meter_key BIGINT NOT NULL,
  hour BIGINT NOT NULL,
  samples INTEGER NOT NULL,
  interval_s INTEGER,
  last_ts BIGINT NOT NULL,
  energy_n INTEGER NOT NULL,
  energy_units NUMERIC,
  energy_grid SMALLINT,
  energy_abs DOUBLE PRECISION NOT NULL,
  export_n INTEGER NOT NULL,
  export_units NUMERIC,
  export_grid SMALLINT,
  export_abs DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (meter_key, hour)
);
COMMENT ON COLUMN rollup_dirty.meter_block IS 'meter_key / 64';
COMMENT ON COLUMN readings_hourly.interval_s IS 'shared by every reading of the hour; NULL when they differ';
COMMENT ON COLUMN readings_hourly.energy_units IS 'exact sum of energy_kwh in 2^-80 kWh';
COMMENT ON COLUMN readings_hourly.energy_grid IS 'least binary exponent any value uses; NULL without a nonzero value';

-- Readings stored before this version have no rollup yet: their hours
-- start dirty (floor division: hour < ts <= hour + 1 h).
INSERT INTO rollup_dirty (meter_block, hour)
SELECT DISTINCT meter_key / 64, (ts - 1) - mod(mod(ts - 1, 3600000) + 3600000, 3600000)
FROM readings;
)sql";

// Daily quality reports kept by `metrify worker process` (docs/scaled.md
// "Quality reports"; store/postgres/pg_quality.h). No existing data is
// marked: the worker's closing sweep stores the recent closed days of every
// meter, and older days are computed when asked, as before.
constexpr std::string_view kV8QualityDaily = R"sql(
CREATE TABLE quality_dirty (
  meter_block BIGINT NOT NULL,
  hour BIGINT NOT NULL,
  PRIMARY KEY (meter_block, hour)
);

CREATE TABLE quality_daily (
  meter_key BIGINT NOT NULL,
  day INTEGER NOT NULL,
  inputs BIGINT NOT NULL,
  due_from BIGINT,
  sent_fields INTEGER NOT NULL,
  figures BYTEA NOT NULL,
  computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (meter_key, day)
);
COMMENT ON COLUMN quality_dirty.meter_block IS 'meter_key / 64';
COMMENT ON COLUMN quality_dirty.hour IS 'epoch ms of the UTC hour a changed reading, overlay row or edit is stamped in';
COMMENT ON COLUMN quality_daily.day IS 'local days since 1970-01-01 in the meter''s time zone';
COMMENT ON COLUMN quality_daily.inputs IS 'vee::QualityInputsOf: zone, interval, installation date, report rules';
COMMENT ON COLUMN quality_daily.due_from IS 'first point of the day''s validated view (epoch ms); NULL: none';
COMMENT ON COLUMN quality_daily.sent_fields IS 'fields the raw readings of the day''s window carry (bit i: field i)';
COMMENT ON COLUMN quality_daily.figures IS 'vee::DayQuality, src/vee/day_quality_codec.h';
)sql";

// A session lock while migrating: any 64-bit constant the project owns.
constexpr int64_t kMigrationLock = 0x6d657472696679;  // "metrify"

// CREATE TABLE IF NOT EXISTS is not safe against itself: two sessions may
// both find the table missing and one fails on the catalog's unique index.
// Status is read without the migration lock, so the creation takes a lock
// of its own (another key: a session holding the migration lock must not
// wait for itself).
Status EnsureTable(PgConnection& db) {
  return db.InTransaction([&] {
    METRIFY_RETURN_IF_ERROR(
        db.Query("SELECT pg_advisory_xact_lock($1)", {std::to_string(kMigrationLock + 1)})
            .status());
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  });
}

Status ApplyOne(PgConnection& db, const PgMigration& m) {
  Status status = db.InTransaction([&] {
    METRIFY_RETURN_IF_ERROR(db.Exec(m.sql));
    return db
        .Query("INSERT INTO schema_migrations(version, description) VALUES($1, $2)",
               {std::to_string(m.version), std::string(m.description)})
        .status();
  });
  if (status.ok()) return status;
  return Status(status.code(), fmt::format("migration {} ({}) failed: {}", m.version, m.description,
                                           status.message()));
}

}  // namespace

const std::vector<PgMigration>& PgMigrations() {
  static const std::vector<PgMigration> kMigrations = {
      {1, "meters, grid operators and weather stations", kV1Registry},
      {2, "audit log of manual edits of readings", kV2Edits},
      {3, "alerts and webhook dead letters", kV3Alerts},
      {4, "readings, grid status and observations, partitioned by day", kV4Series},
      {5, "VEE overlay, latest samples and applied ingest offsets", kV5SeriesState},
      {6, "registry: metadata as text, ids in byte order, indexed case-insensitive filters",
       kV6RegistryRefinements},
      {7, "hourly rollups of readings and the hours waiting for them", kV7HourlyRollups},
      {8, "daily quality reports and the hours waiting for them", kV8QualityDaily},
  };
  return kMigrations;
}

Result<PgMigrationState> PgMigrationStatus(PgConnection& db,
                                           const std::vector<PgMigration>& migrations) {
  METRIFY_RETURN_IF_ERROR(EnsureTable(db));
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query("SELECT version, description, "
               "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
               "FROM schema_migrations ORDER BY version"));
  PgMigrationState state;
  for (int i = 0; i < rows.size(); ++i) {
    state.applied.push_back({static_cast<int>(rows.Int(i, 0)), std::string(rows.Text(i, 1)),
                             std::string(rows.Text(i, 2))});
    state.version = std::max(state.version, static_cast<int>(rows.Int(i, 0)));
  }
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (state.version > newest) {
    return Status::InvalidArgument(
        fmt::format("the database at {} has schema version {}, newer than this metrify knows ({}); "
                    "upgrade metrify",
                    db.where(), state.version, newest));
  }
  for (const PgMigration& m : migrations) {
    if (m.version > state.version) state.pending.push_back(&m);
  }
  return state;
}

Result<int> ApplyPgMigrations(PgConnection& db, const std::vector<PgMigration>& migrations) {
  METRIFY_RETURN_IF_ERROR(
      db.Query("SELECT pg_advisory_lock($1)", {std::to_string(kMigrationLock)}).status());
  Result<int> result = [&]() -> Result<int> {
    // Read under the lock: another process may have migrated meanwhile.
    METRIFY_ASSIGN_OR_RETURN(PgMigrationState state, PgMigrationStatus(db, migrations));
    int version = state.version;
    for (const PgMigration* m : state.pending) {
      METRIFY_RETURN_IF_ERROR(ApplyOne(db, *m));
      version = m->version;
    }
    return version;
  }();
  (void)db.Query("SELECT pg_advisory_unlock($1)", {std::to_string(kMigrationLock)});
  return result;
}

}  // namespace metrify::store
