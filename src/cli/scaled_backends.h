// The PostgreSQL side of scaled mode as `metrify serve` and `metrify
// worker` open it: a write pool on postgres.url, a read pool on
// postgres.read_url (the same pool without one), the registry and the
// series store. Fails the command, naming the key, when a setting is
// missing or the database cannot be used.
#pragma once

#include <memory>

#include "config/config.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_registry.h"
#include "store/postgres/pg_series_store.h"

namespace metrify::cli {

struct ScaledBackends {
  std::unique_ptr<store::PgPool> write_pool;
  std::unique_ptr<store::PgPool> read_pool;  // null: reads use write_pool
  std::unique_ptr<store::PgRegistry> registry;
  std::unique_ptr<store::PgSeriesStore> series;

  store::PgPool& reads() { return read_pool ? *read_pool : *write_pool; }

  // Needs postgres.url and kafka.brokers (exit 2 naming the missing key);
  // a database that cannot be reached or is not migrated is exit 6 with
  // the reason (password redacted).
  static ScaledBackends OpenOrFail(const config::Config& config, size_t connections);
};

}  // namespace metrify::cli
