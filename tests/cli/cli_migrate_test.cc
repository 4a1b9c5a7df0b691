// `metrify migrate up|status` against a real PostgreSQL 15 (issue 8), and
// the migration runner itself: versions applied once and in order, a failed
// migration rolled back whole, several processes migrating at once, a
// database newer than the binary refused, and no password in any message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_migrations.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<store::PgConnection> Connect(const PostgresServer& pg) {
  auto db = store::PgConnection::Connect(pg.url(), std::chrono::seconds(10));
  EXPECT_TRUE(db.has_value()) << db.status().message();
  return db.has_value() ? std::move(db).value() : nullptr;
}

// The newest migration this binary has, as a number and as text.
const int64_t kNewest = store::PgMigrations().back().version;
const std::string N = std::to_string(kNewest);

int64_t Count(store::PgConnection& db, const std::string& sql) {
  auto rows = db.Query(sql);
  EXPECT_TRUE(rows.has_value()) << rows.status().message();
  return rows.has_value() && rows->size() == 1 ? rows->Int(0, 0) : -1;
}

TEST(CliMigrateTest, UpAppliesEveryMigrationOnceAndStatusShowsThem) {
  PostgresServer pg;
  ProgramResult status = RunCli({"migrate", "status", "--postgres-url", pg.url()});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("schema version 0; 0 applied, " + N + " pending"));

  ProgramResult up = RunCli({"migrate", "up", "--postgres-url", pg.url()});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.out, HasSubstr("from version 0 to " + N));
  EXPECT_THAT(up.out, HasSubstr(N + " applied, 0 pending"));
  EXPECT_EQ(up.err, "") << "nothing on stderr, not even libpq's notices";

  auto db = Connect(pg);
  ASSERT_TRUE(db);
  for (const char* table : {"meters", "grid_operators", "weather_stations", "reading_edits",
                            "alerts", "alert_dead_letters"}) {
    EXPECT_EQ(Count(*db, std::string("SELECT count(*) FROM information_schema.tables WHERE "
                                     "table_name = '") +
                             table + "'"),
              1)
        << table;
  }
  // The series are partitioned parents, with a default partition.
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM pg_class WHERE relkind = 'p' AND relname IN "
                  "('readings', 'grid_status', 'observations', 'vee_overlay')"),
            4);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = "
                  "i.inhrelid WHERE c.relname = 'readings_default'"),
            1);

  ProgramResult again = RunCli({"migrate", "up", "--postgres-url", pg.url(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("\"version\":" + N));
  EXPECT_THAT(again.out, HasSubstr("\"pending\":[]"));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM schema_migrations"), kNewest);
}

// Replicas starting together all run `migrate up`: one applies, the others
// find the work done, none fails.
TEST(CliMigrateTest, SeveralProcessesMigratingAtOnceApplyEachVersionOnce) {
  PostgresServer pg;
  std::vector<ProgramResult> results(4);
  std::vector<std::thread> threads;
  for (ProgramResult& r : results) {
    threads.emplace_back([&r, &pg] { r = RunCli({"migrate", "up", "--postgres-url", pg.url()}); });
  }
  for (std::thread& t : threads) t.join();
  for (const ProgramResult& r : results) EXPECT_EQ(r.exit_code, 0) << r.err;
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM schema_migrations"), kNewest);
  EXPECT_EQ(Count(*db, "SELECT max(version) FROM schema_migrations"), kNewest);
}

// A migration that fails halfway leaves nothing of itself behind, is named,
// and the ones before it stay applied.
TEST(CliMigrateTest, AFailedMigrationIsRolledBackWholeAndNamed) {
  PostgresServer pg;
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  const std::vector<store::PgMigration> migrations = {
      {1, "a table", "CREATE TABLE first_table (x INTEGER);"},
      {2, "half a migration", "CREATE TABLE second_table (x INTEGER); SELECT no_such_column;"},
  };
  Result<int> applied = store::ApplyPgMigrations(*db, migrations);
  ASSERT_FALSE(applied.has_value());
  EXPECT_THAT(applied.status().message(), HasSubstr("migration 2 (half a migration) failed"));
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                  "'first_table'"),
            1);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                  "'second_table'"),
            0);
  EXPECT_EQ(Count(*db, "SELECT max(version) FROM schema_migrations"), 1);
}

TEST(CliMigrateTest, ADatabaseNewerThanTheBinaryIsRefused) {
  PostgresServer pg;
  ASSERT_EQ(RunCli({"migrate", "up", "--postgres-url", pg.url()}).exit_code, 0);
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  ASSERT_TRUE(
      db->Exec("INSERT INTO schema_migrations(version, description) VALUES (99, 'x')").ok());
  for (const char* action : {"status", "up"}) {
    ProgramResult r = RunCli({"migrate", action, "--postgres-url", pg.url()});
    EXPECT_EQ(r.exit_code, 2) << action;
    EXPECT_THAT(r.err,
                HasSubstr("has schema version 99, newer than this metrify knows (" + N + ")"))
        << action;
  }
}

TEST(CliMigrateTest, AnUnreachableDatabaseIsExitSixWithoutThePassword) {
  const uint16_t port = FreeTcpPort();
  ProgramResult r =
      RunCli({"migrate", "status", "--postgres-url",
              "postgres://metrify:hunter2@127.0.0.1:" + std::to_string(port) + "/metrify"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_THAT(r.err, HasSubstr("cannot connect to PostgreSQL at postgres://metrify:***@127.0.0.1"));
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2")));
}

TEST(CliMigrateTest, WithoutAUrlItSaysWhereToGiveOne) {
  ProgramResult r = RunCli({"migrate", "status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("postgres.url is not set"));
  EXPECT_THAT(r.err, HasSubstr("METRIFY_POSTGRES_URL"));
}

}  // namespace
}  // namespace metrify::test
