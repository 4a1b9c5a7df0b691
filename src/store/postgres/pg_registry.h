// PgRegistry: the RegistryStore of scaled mode (issue 8): meters, grid
// operators and weather stations in PostgreSQL, shared by every API replica.
// It behaves as the embedded SqliteRegistry does (same results, error codes
// and messages; tests/scaled/registry_parity_test.cc holds it to that):
// created_at/updated_at set by the store, ids unique and compared exactly,
// references checked, a referenced entity not deletable, lists ordered by id
// byte by byte, keys from an identity column that never reuses a value.
//
// Lifecycle: Open() checks the schema and returns the store; it does not
// migrate (`metrify migrate up` does, once, before the replicas start).
// Every call leases a connection from the pool for its duration.
//
// Thread safety: every method may be called from any thread; several
// processes may use the same database at once (creates of the same id race
// safely: one wins, the others get AlreadyExists).
// Durability: a write has been committed when the method returns OK.
// Errors of every call, beside its own: Unavailable while the database
// cannot be reached (the message names the server, never the password);
// ResourceExhausted when every pooled connection stayed busy.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/postgres/pg_entity_repository.h"
#include "store/postgres/pg_pool.h"
#include "store/registry_store.h"

namespace metrify::store {

class PgRegistry : public RegistryStore {
 public:
  // Checks that the database has every migration this binary knows
  // (PgMigrations()) and returns a store that uses `pool`, which must
  // outlive it. Errors: Unavailable when the database is behind (the
  // message says to run `metrify migrate up`: a replica may start while the
  // migration still runs) or cannot be reached; InvalidArgument when it is
  // newer than this binary (upgrade metrify).
  static Result<std::unique_ptr<PgRegistry>> Open(PgPool& pool);

  EntityRepository<model::Meter>& meters() override { return meters_; }
  EntityRepository<model::GridOperator>& grid_operators() override { return operators_; }
  EntityRepository<model::WeatherStation>& weather_stations() override { return stations_; }

  // The id of the ACTIVE weather station nearest to the point by
  // model::DistanceKm, "" when there is none. Of equally near stations the
  // one created first wins (the embedded store's rule).
  Result<std::string> NearestWeatherStation(double latitude, double longitude) override;
  // OK when the database answers a query on schema_migrations.
  Status Ping() override;
  // The highest migration applied when the store was opened.
  int SchemaVersion() const override { return schema_version_; }

 private:
  PgRegistry(PgPool& pool, int schema_version);

  PgPool& pool_;
  const int schema_version_;
  PgEntityRepository<model::Meter> meters_;
  PgEntityRepository<model::GridOperator> operators_;
  PgEntityRepository<model::WeatherStation> stations_;
};

}  // namespace metrify::store
