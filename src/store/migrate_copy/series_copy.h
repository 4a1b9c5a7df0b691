// The time series of `metrify migrate copy`: every revision the embedded
// engine still holds of readings, grid status, observations and VEE
// overlay rows, written with its revision number into the PostgreSQL table
// of its kind (pg_series_table.h) by binary COPY, and the newest sample of
// every series into latest_samples, as PgSeriesStore keeps it.
//
// Rows travel by entity id: an embedded key is translated to the entity's
// PostgreSQL key (key_translation.h); the scan visits only keys of
// entities in the registry, so series of deleted entities (which no read
// reaches in embedded mode either) stay behind.
#pragma once

#include "common/result.h"
#include "model/series.h"
#include "store/engine/readings_engine.h"
#include "store/migrate_copy/copy_report.h"
#include "store/migrate_copy/key_translation.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store::migrate_copy {

// Makes the day partitions of every day the engine holds of each kind, so
// the COPY routes rows into their days rather than the default partition.
// Outside any transaction: each run of days is made and committed on its
// own (pg_partitions.h). Errors: the database's.
Status MakeDayPartitions(const engine::ReadingsEngine& engine, PgConnection& target);

struct SeriesCopy {
  Tally rows;    // every revision read
  Tally latest;  // the newest sample of each series
};

// Copies every revision of every series of `kind` whose entity is in
// `entities` (the translation of the kind's entity table), inside the
// caller's transaction. A row hashes as (kind, entity id, ts, revision,
// interval, each field's bits or NULL). Errors: the engine's and the
// database's.
Result<SeriesCopy> CopySeries(model::SeriesKind kind, const engine::ReadingsEngine& engine,
                              const KeyTranslation& entities, PgConnection& target,
                              const ProgressFn& progress);

// Marks every (64-meter block, hour) of the copied readings dirty for the
// hourly rollups (store/postgres/pg_rollups.h), as migration 7 marks the
// readings stored before it, inside the caller's transaction. Without them
// an hour that has readings but no hour row yet looks like an hour without
// readings to the fleet sums (SumFromRollups), which would answer zero
// until something touched the hour. Errors: the database's.
Status MarkReadingHoursDirty(PgConnection& target);

// The tallies read back from PostgreSQL, inside the caller's read-only
// transaction: one kind's table, and latest_samples of all kinds. Errors:
// the database's.
Result<Tally> TallySeries(model::SeriesKind kind, PgConnection& target);
Result<Tally> TallyLatest(PgConnection& target);

}  // namespace metrify::store::migrate_copy
