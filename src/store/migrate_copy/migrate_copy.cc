#include "store/migrate_copy/migrate_copy.h"

#include <chrono>
#include <map>

#include "store/migrate_copy/audit_copy.h"
#include "store/migrate_copy/embedded_source.h"
#include "store/migrate_copy/pg_target.h"
#include "store/migrate_copy/registry_copy.h"
#include "store/migrate_copy/series_copy.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_registry.h"
#include "store/postgres/pg_series_table.h"

namespace metrify::store::migrate_copy {

namespace {

// Tallies by table name.
using Tallies = std::map<std::string_view, Tally>;

PgPoolOptions PoolOptions(const std::string& password) {
  PgPoolOptions o;
  o.max_connections = 2;  // the copy's, and the registry read back beside it
  o.password = password;
  o.connect_timeout = std::chrono::seconds(10);
  o.statement_timeout = std::chrono::milliseconds(0);  // a COPY of a big day takes long
  return o;
}

const KeyTranslation& KeysOf(model::SeriesKind kind, const RegistryKeys& keys) {
  switch (model::EntityKindOf(kind)) {
    case model::SeriesKind::kGridStatus:
      return keys.grid_operators;
    case model::SeriesKind::kObservation:
      return keys.weather_stations;
    default:
      return keys.meters;
  }
}

Status CopySeriesKinds(EmbeddedSource& source, PgConnection& db, const RegistryKeys& keys,
                       const ProgressFn& progress, Tallies* out) {
  Tally latest;
  for (model::SeriesKind kind : model::kAllSeriesKinds) {
    const std::string_view table = PgSeriesTableOf(kind).table;
    (*out)[table] = Tally{};
    if (source.engine() == nullptr) continue;
    METRIFY_ASSIGN_OR_RETURN(SeriesCopy copy,
                             CopySeries(kind, *source.engine(), KeysOf(kind, keys), db, progress));
    (*out)[table] = copy.rows;
    latest.Merge(copy.latest);
  }
  (*out)["latest_samples"] = latest;
  if (source.engine() == nullptr) return Status::Ok();
  return MarkReadingHoursDirty(db);
}

// The body of the copy's transaction.
Status CopyAll(EmbeddedSource& source, PgConnection& db, const ProgressFn& progress, Tallies* out,
               uint64_t* orphaned) {
  METRIFY_RETURN_IF_ERROR(LockEmptyTables(db));
  RegistryKeys keys;
  RegistryTallies registry;
  METRIFY_RETURN_IF_ERROR(CopyRegistry(source.registry(), db, progress, &keys, &registry));
  (*out)["grid_operators"] = registry.grid_operators;
  (*out)["weather_stations"] = registry.weather_stations;
  (*out)["meters"] = registry.meters;
  for (std::string_view table : AuditTables()) {
    METRIFY_ASSIGN_OR_RETURN(AuditCopy copy,
                             CopyAuditTable(table, source.db(), db, keys.meters, progress));
    (*out)[table] = copy.tally;
    *orphaned += copy.orphaned;
  }
  return CopySeriesKinds(source, db, keys, progress, out);
}

// Every table read back, in one snapshot (but the registry, read through
// PgRegistry beside it: nothing writes while the copy's tables are
// settled, so both see the same).
Result<Tallies> TallyTarget(PgPool& pool, const ProgressFn& progress) {
  auto begin = [&](std::string_view table) {
    if (progress) progress(Phase::kVerifying, table, 0);
  };
  Tallies t;
  begin("registry");
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<PgRegistry> registry, PgRegistry::Open(pool));
  METRIFY_ASSIGN_OR_RETURN(RegistryTallies r, TallyRegistry(*registry));
  t["grid_operators"] = r.grid_operators;
  t["weather_stations"] = r.weather_stations;
  t["meters"] = r.meters;
  METRIFY_ASSIGN_OR_RETURN(PgLease db, pool.Acquire());
  METRIFY_RETURN_IF_ERROR(db->InTransaction([&]() -> Status {
    METRIFY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    // Shortest exact text for every double, whatever the server's default.
    METRIFY_RETURN_IF_ERROR(db->Exec("SET LOCAL extra_float_digits = 3"));
    for (std::string_view table : AuditTables()) {
      begin(table);
      METRIFY_ASSIGN_OR_RETURN(t[table], TallyAuditTable(table, *db));
    }
    for (model::SeriesKind kind : model::kAllSeriesKinds) {
      begin(PgSeriesTableOf(kind).table);
      METRIFY_ASSIGN_OR_RETURN(t[PgSeriesTableOf(kind).table], TallySeries(kind, *db));
    }
    begin("latest_samples");
    METRIFY_ASSIGN_OR_RETURN(t["latest_samples"], TallyLatest(*db));
    return Status::Ok();
  }));
  return t;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<CopyReport> CopyEmbeddedToPostgres(const CopyOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  PgPool pool(options.url, PoolOptions(options.password));
  CopyReport report;
  Tallies source_tallies;
  {
    METRIFY_ASSIGN_OR_RETURN(PgLease db, pool.Acquire());
    METRIFY_RETURN_IF_ERROR(CheckSchemaIsNewest(*db));
    // Checked before the source is opened, so a wrong target costs nothing;
    // checked again under the tables' locks.
    METRIFY_RETURN_IF_ERROR(CheckEmpty(*db));
    METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedSource> source,
                             EmbeddedSource::Open(options.data_dir));
    if (source->engine() != nullptr) {
      METRIFY_RETURN_IF_ERROR(MakeDayPartitions(*source->engine(), *db));
    }
    report.from = source->data_dir();
    report.to = db->where();
    METRIFY_RETURN_IF_ERROR(db->InTransaction([&] {
      return CopyAll(*source, *db, options.progress, &source_tallies, &report.orphaned_edits);
    }));
  }
  report.copy_seconds = SecondsSince(started);
  const auto verifying = std::chrono::steady_clock::now();
  METRIFY_ASSIGN_OR_RETURN(Tallies target_tallies, TallyTarget(pool, options.progress));
  for (std::string_view table : CopiedTables()) {
    report.tables.push_back({std::string(table), source_tallies[table], target_tallies[table]});
  }
  report.verify_seconds = SecondsSince(verifying);
  return report;
}

}  // namespace metrify::store::migrate_copy
