// The contract of EditLog (edit_log.h), run against both logs: SQLite's of
// a single process and PostgreSQL's of scaled mode (a real PostgreSQL 15,
// one server for the suite and a fresh database per test). Edits of other
// processes and an outage are in tests/scaled/pg_edit_log_test.cc.
#include "vee/edit_log.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scaled/pg_registry_fixture.h"
#include "store/engine/wal/wal_test_support.h"
#include "store/postgres/pg_pool.h"
#include "store/sqlite/sqlite_registry.h"
#include "vee/pg_edit_log.h"

namespace metrify::vee {
namespace {

using engine::wal::test_support::TempDir;

EditRecord Edit(uint32_t key, int64_t t, double kwh, std::string reason = "read on site") {
  EditRecord e;
  e.meter_key = key;
  e.meter_id = "SM" + std::to_string(key);
  e.timestamp_ms = t;
  e.energy_kwh = kwh;
  e.old_status = "MISSING";
  e.reason = std::move(reason);
  e.edited_by = "j.schmidt";
  return e;
}

enum class Backend { kSqlite, kPostgres };

class EditLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { databases_.reset(); }

  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      // The registry creates and migrates the database the log lives in.
      auto registry = store::SqliteRegistry::Open(dir_.path());
      ASSERT_TRUE(registry.has_value());
      path_ = (*registry)->path();
    } else {
      if (!databases_) databases_ = std::make_unique<test::PgDatabases>();
      pool_ = std::make_unique<store::PgPool>(databases_->Fresh());
    }
  }
  std::unique_ptr<EditLog> Open() {
    Result<std::unique_ptr<EditLog>> log = Status::Internal("unset");
    if (GetParam() == Backend::kSqlite) {
      log = EditLog::Open(path_);
    } else if (auto pg = PgEditLog::Open(*pool_); pg.has_value()) {
      log = std::unique_ptr<EditLog>(std::move(pg).value());
    } else {
      log = pg.error();
    }
    EXPECT_TRUE(log.has_value()) << log.error().ToString();
    return std::move(log).value();
  }

  static inline std::unique_ptr<test::PgDatabases> databases_;
  TempDir dir_;
  std::string path_;                     // SQLite
  std::unique_ptr<store::PgPool> pool_;  // PostgreSQL; outlives the logs
};

INSTANTIATE_TEST_SUITE_P(Sqlite, EditLogTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, EditLogTest, ::testing::Values(Backend::kPostgres));

TEST_P(EditLogTest, TheNewestEditOfAnIntervalIsInForceAndAllAreAudited) {
  auto log = Open();
  ASSERT_TRUE(log->Record(Edit(1, 900'000, 0.2)).has_value());
  auto second = log->Record(Edit(1, 900'000, 0.3, "second look"));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->seq, 2);
  EXPECT_GT(second->edited_at_ms, 0);
  ASSERT_TRUE(log->Record(Edit(2, 900'000, 9)).has_value());

  const auto in_force = log->InForce(1, 0, 1'800'000);
  ASSERT_EQ(in_force.size(), 1u);
  EXPECT_DOUBLE_EQ(in_force.at(900'000).energy_kwh, 0.3);
  EXPECT_TRUE(std::isnan(in_force.at(900'000).register_kwh));
  EXPECT_TRUE(log->InForce(1, 900'001, 1'800'000).empty());  // [from, to)

  auto history = log->History(1, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].reason, "read on site");
  EXPECT_EQ((*history)[1].reason, "second look");
  EXPECT_EQ((*history)[1].edited_by, "j.schmidt");
  EXPECT_EQ((*history)[1].old_status, "MISSING");
}

TEST_P(EditLogTest, EditsSurviveAReopen) {
  ASSERT_TRUE(Open()->Record(Edit(4, 1'800'000, 0.7)).has_value());
  auto log = Open();
  EXPECT_DOUBLE_EQ(log->InForce(4, 0, INT64_MAX).at(1'800'000).energy_kwh, 0.7);
}

TEST_P(EditLogTest, AnEditWithoutValueReasonOrAuthorIsRefusedAndNotStored) {
  auto log = Open();
  EditRecord no_value = Edit(1, 900'000, NAN);
  EXPECT_FALSE(log->Record(no_value).has_value());
  EXPECT_FALSE(log->Record(Edit(1, 900'000, 0.2, "")).has_value());
  EditRecord anonymous = Edit(1, 900'000, 0.2);
  anonymous.edited_by.clear();
  EXPECT_FALSE(log->Record(anonymous).has_value());
  EXPECT_TRUE(log->InForce(1, INT64_MIN, INT64_MAX).empty());
  EXPECT_TRUE(log->History(1, INT64_MIN, INT64_MAX)->empty());
}

}  // namespace
}  // namespace metrify::vee
