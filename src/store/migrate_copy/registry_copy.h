// The registry part of `metrify migrate copy`: grid operators, weather
// stations and meters, every field as stored (created_at and updated_at
// included, which PgRegistry's Create would stamp anew), each given its
// PostgreSQL key by the target.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "model/grid_operator.h"
#include "model/meter.h"
#include "model/weather_station.h"
#include "store/migrate_copy/copy_report.h"
#include "store/migrate_copy/key_translation.h"
#include "store/postgres/pg_connection.h"
#include "store/registry_store.h"

namespace metrify::store::migrate_copy {

struct RegistryTallies {
  Tally grid_operators;
  Tally weather_stations;
  Tally meters;
};

// Copies the three tables from `source` into `target` (inside the caller's
// transaction): operators and stations first, since meters name them; each
// table in the order of its embedded keys, so PostgreSQL's keys follow the
// same order. Fills `keys` (both sides) and `tallies` (what was read).
// Errors: the stores' (Conflict from PostgreSQL for a row it refuses).
Status CopyRegistry(RegistryStore& source, PgConnection& target, const ProgressFn& progress,
                    RegistryKeys* keys, RegistryTallies* tallies);

// The tallies of the three tables as `registry` returns them: the copy's
// target read back through PgRegistry. An entity hashes its fields in
// field-table order; the key is no field, so both stores hash an entity
// alike. Errors: the store's.
Result<RegistryTallies> TallyRegistry(RegistryStore& registry);

}  // namespace metrify::store::migrate_copy
