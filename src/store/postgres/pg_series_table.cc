#include "store/postgres/pg_series_table.h"

#include <fmt/format.h>

namespace metrify::store {

namespace {

std::string Join(const std::vector<std::string>& names, std::string_view prefix) {
  std::string out;
  for (const std::string& n : names)
    out += fmt::format("{}{}{}", out.empty() ? "" : ", ", prefix, n);
  return out;
}

PgSeriesTable Make(model::SeriesKind kind, std::string table, std::string key_column) {
  PgSeriesTable t;
  t.kind = kind;
  t.table = std::move(table);
  t.key_column = std::move(key_column);
  for (const model::SeriesField& f : model::SeriesFields(kind)) t.fields.emplace_back(f.name);
  t.incoming = "metrify_incoming_" + t.table;
  const std::string& k = t.key_column;
  const std::string fields = Join(t.fields, "");
  // ON COMMIT DELETE ROWS: the rows never outlive their transaction, the
  // table (and the catalog work of making it) outlives many.
  t.create_incoming = fmt::format(
      "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
      t.incoming, t.table);
  t.copy_incoming =
      fmt::format("COPY {} ({}, ts, revision, interval_s, {}) FROM STDIN (FORMAT binary)",
                  t.incoming, k, fields);
  // Each incoming row is compared with the latest stored revision of its
  // (entity, ts), found by a primary-key lookup (a join of the whole batch
  // made the planner scan the day's partition, ever slower as it fills);
  // the ts range lets it skip the other day partitions. A row is written
  // when it is new or differs (IS DISTINCT FROM: NULL = NULL) from it.
  const std::string latest = fmt::format(
      "INSERT INTO latest_samples (kind, entity_key, ts, revision, interval_s, vals)"
      " SELECT DISTINCT ON ({k}) {kind}, {k}, ts, revision, interval_s, ARRAY[{f}]::float8[]"
      " FROM {{}} ORDER BY {k}, ts DESC"
      " ON CONFLICT (kind, entity_key) DO UPDATE SET ts = EXCLUDED.ts,"
      " revision = EXCLUDED.revision, interval_s = EXCLUDED.interval_s, vals = EXCLUDED.vals"
      " WHERE EXCLUDED.ts >= latest_samples.ts"
      // A row the statement inserted has no xmax; one it updated carries
      // this transaction's (its lock on the old version, carried over).
      // So a fresh row is the entity's first sample of the kind, however
      // concurrent writers of the entity interleave.
      " RETURNING entity_key, xmax = 0 AS first",
      fmt::arg("k", k), fmt::arg("f", fields), fmt::arg("kind", static_cast<int>(kind)));
  t.upsert = fmt::format(
      "WITH ins AS ("
      " INSERT INTO {tab} ({k}, ts, revision, interval_s, {f})"
      " SELECT i.{k}, i.ts, COALESCE(c.revision + 1, 0), i.interval_s, {inf}"
      " FROM {in} i LEFT JOIN LATERAL ("
      " SELECT t.revision, t.interval_s, {tf} FROM {tab} t"
      " WHERE t.{k} = i.{k} AND t.ts = i.ts AND t.ts BETWEEN $1 AND $2"
      " ORDER BY t.revision DESC LIMIT 1) c ON true"
      " WHERE c.revision IS NULL"
      " OR ROW(i.interval_s, {inf}) IS DISTINCT FROM ROW(c.interval_s, {cf})"
      " RETURNING {k}, ts, revision, interval_s, {f}),"
      " lat AS ({lat})"
      " SELECT count(*) FILTER (WHERE revision = 0), count(*) FILTER (WHERE revision > 0),"
      " (SELECT array_agg(entity_key) FROM lat WHERE first) FROM ins",
      fmt::arg("k", k), fmt::arg("tab", t.table), fmt::arg("in", t.incoming), fmt::arg("f", fields),
      fmt::arg("tf", Join(t.fields, "t.")), fmt::arg("inf", Join(t.fields, "i.")),
      fmt::arg("cf", Join(t.fields, "c.")),
      fmt::arg("lat", fmt::format(fmt::runtime(latest), "ins")));
  t.copy_direct = fmt::format(
      "COPY {} ({}, ts, revision, interval_s, {}) FROM STDIN (FORMAT binary)", t.table, k, fields);
  t.latest_from_incoming =
      fmt::format("WITH lat AS ({}) SELECT array_agg(entity_key) FROM lat WHERE first",
                  fmt::format(fmt::runtime(latest), t.incoming));
  t.read_latest = fmt::format(
      "SELECT DISTINCT ON (ts) ts, interval_s, revision, {f} FROM {tab}"
      " WHERE {k} = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, revision DESC",
      fmt::arg("f", fields), fmt::arg("tab", t.table), fmt::arg("k", k));
  t.read_latest_many = fmt::format(
      "SELECT DISTINCT ON ({k}, ts) ts, interval_s, revision, {f}, {k} FROM {tab}"
      " WHERE {k} = ANY($1::bigint[]) AND ts >= $2 AND ts < $3 ORDER BY {k}, ts, revision DESC",
      fmt::arg("f", fields), fmt::arg("tab", t.table), fmt::arg("k", k));
  return t;
}

}  // namespace

const PgSeriesTable& PgSeriesTableOf(model::SeriesKind kind) {
  static const PgSeriesTable kReadings = Make(model::SeriesKind::kReading, "readings", "meter_key");
  static const PgSeriesTable kGrid =
      Make(model::SeriesKind::kGridStatus, "grid_status", "operator_key");
  static const PgSeriesTable kWeather =
      Make(model::SeriesKind::kObservation, "observations", "station_key");
  static const PgSeriesTable kOverlay =
      Make(model::SeriesKind::kVeeOverlay, "vee_overlay", "meter_key");
  switch (kind) {
    case model::SeriesKind::kReading:
      return kReadings;
    case model::SeriesKind::kGridStatus:
      return kGrid;
    case model::SeriesKind::kObservation:
      return kWeather;
    case model::SeriesKind::kVeeOverlay:
      return kOverlay;
  }
  return kReadings;
}

}  // namespace metrify::store
