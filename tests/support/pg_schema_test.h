// A fixture for tests of scaled mode's PostgreSQL storage: one PostgreSQL
// server per test suite (postgres_server.h) and, for each test, an empty
// public schema brought to today's migrations, with a connection, a pool
// and a series store on it. Suites derive from it; a suite needing more
// pool connections sets pool_connections_ in its constructor.
//
// Thread safety: as gtest fixtures; db_ belongs to the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_series_store.h"
#include "support/postgres_server.h"

namespace metrify::test {

// A new session to `url`; throws (failing the test) when it cannot connect.
inline std::unique_ptr<store::PgConnection> ConnectOrThrow(const std::string& url) {
  auto db = store::PgConnection::Connect(url, std::chrono::seconds(10));
  if (!db) throw std::runtime_error(db.status().message());
  return std::move(db).value();
}

class PgSchemaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pg_ = new PostgresServer(); }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  void SetUp() override {
    db_ = ConnectOrThrow(pg_->url());
    ASSERT_TRUE(db_->Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
    ASSERT_TRUE(store::ApplyPgMigrations(*db_, store::PgMigrations()).has_value());
    pool_ = std::make_unique<store::PgPool>(
        pg_->url(), store::PgPoolOptions{.max_connections = pool_connections_});
    store_ = std::make_unique<store::PgSeriesStore>(*pool_, *pool_);
  }

  // The one integer `sql` answers; -1 (and a test failure) otherwise.
  int64_t Count(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.status().message();
    return rows.has_value() && rows->size() == 1 ? rows->Int(0, 0) : -1;
  }

  // readings_hourly holds what PostgreSQL itself sums from the latest
  // revisions in readings: every hour, its samples and its energy.
  void ExpectRollupsMatchReadings() {
    EXPECT_EQ(Count("SELECT count(*) FROM ("
                    " SELECT meter_key, (ts - 1) / 3600000 * 3600000 AS hour, count(*) AS n,"
                    " sum(energy_kwh) AS kwh FROM (SELECT DISTINCT ON (meter_key, ts) *"
                    " FROM readings ORDER BY meter_key, ts, revision DESC) latest"
                    " GROUP BY 1, 2) r"
                    " FULL JOIN readings_hourly h USING (meter_key, hour)"
                    " WHERE h.samples IS DISTINCT FROM r.n OR h.energy_n IS DISTINCT FROM r.n"
                    " OR abs(h.energy_units::float8 * 2::float8 ^ -80 - r.kwh) > 1e-9"
                    " OR r.kwh IS NULL"),
              0);
  }

  inline static PostgresServer* pg_ = nullptr;
  size_t pool_connections_ = 4;
  std::unique_ptr<store::PgConnection> db_;
  std::unique_ptr<store::PgPool> pool_;
  std::unique_ptr<store::PgSeriesStore> store_;
};

}  // namespace metrify::test
