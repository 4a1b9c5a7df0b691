// Day partitions of the scaled mode's series tables (store/postgres/
// pg_partitions.h) against a real PostgreSQL 15: made ahead and only once,
// rows that landed in the default partition moved into their day, dropped
// by retention with their rows, and a table that has none refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_partitions.h"
#include "support/postgres_server.h"

namespace metrify::store {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

class PgPartitionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = PgConnection::Connect(pg_.url(), std::chrono::seconds(10));
    ASSERT_TRUE(db.has_value()) << db.status().message();
    db_ = std::move(db).value();
    ASSERT_TRUE(ApplyPgMigrations(*db_, PgMigrations()).has_value());
  }
  int64_t Count(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.status().message();
    return rows.has_value() && rows->size() == 1 ? rows->Int(0, 0) : -1;
  }
  void Insert(int64_t ts, double kwh) {
    ASSERT_TRUE(db_->Query("INSERT INTO readings (meter_key, ts, revision, interval_s, energy_kwh) "
                           "VALUES (1, $1, 0, 900, $2)",
                           {std::to_string(ts), std::to_string(kwh)})
                    .has_value());
  }
  int64_t Partitions() {
    return Count(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class "
        "c ON c.oid = i.inhrelid WHERE p.relname = 'readings' AND c.relname <> "
        "'readings_default'");
  }

  test::PostgresServer pg_;
  std::unique_ptr<PgConnection> db_;
};

TEST_F(PgPartitionsTest, MadeAheadOnceAndRowsGoToTheirDay) {
  Result<int> made = EnsureDayPartitions(*db_, "readings", kMonday, kMonday + 3 * kDay);
  ASSERT_TRUE(made.has_value()) << made.status().message();
  EXPECT_EQ(*made, 3);
  EXPECT_EQ(Partitions(), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_class WHERE relname = 'readings_20250114'"), 1);
  made = EnsureDayPartitions(*db_, "readings", kMonday + kDay / 2, kMonday + 2 * kDay);
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(*made, 0) << "they exist";

  Insert(kMonday + kDay + 900'000, 0.25);  // Tuesday
  EXPECT_EQ(Count("SELECT count(*) FROM readings_20250114"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_default"), 0);
}

// A day written before its partition was made sits in the default
// partition; making the partition moves it there, and the table's key
// still holds (a second revision 0 of the same sample is refused).
TEST_F(PgPartitionsTest, RowsInTheDefaultPartitionMoveIntoTheirNewDay) {
  const int64_t thursday = kMonday + 3 * kDay;
  for (int i = 1; i <= 4; ++i) Insert(thursday + i * 900'000, 0.1 * i);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_default"), 4);
  Result<int> made = EnsureDayPartitions(*db_, "readings", thursday, thursday + 1);
  ASSERT_TRUE(made.has_value()) << made.status().message();
  EXPECT_EQ(*made, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_default"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_20250116"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 4);
  auto duplicate = db_->Query(
      "INSERT INTO readings (meter_key, ts, revision, interval_s) VALUES (1, $1, 0, 900)",
      {std::to_string(thursday + 900'000)});
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.status().code(), StatusCode::kConflict) << duplicate.status().message();
}

TEST_F(PgPartitionsTest, RetentionDropsWholeDaysBeforeTheCut) {
  ASSERT_TRUE(EnsureDayPartitions(*db_, "readings", kMonday, kMonday + 3 * kDay).has_value());
  for (int d = 0; d < 3; ++d) Insert(kMonday + d * kDay + 900'000, 1);
  // The cut in the middle of Tuesday: only Monday ends before it.
  Result<int> dropped = DropDayPartitionsBefore(*db_, "readings", kMonday + kDay + kDay / 2);
  ASSERT_TRUE(dropped.has_value()) << dropped.status().message();
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(Partitions(), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 2);
  EXPECT_EQ(Count("SELECT min(ts) FROM readings"), kMonday + kDay + 900'000);
}

TEST_F(PgPartitionsTest, OnlyTheSeriesTablesAndBoundedRanges) {
  Result<int> made = EnsureDayPartitions(*db_, "meters; DROP TABLE alerts", 0, kDay);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(),
              HasSubstr("readings, grid_status, observations and vee_overlay"));
  EXPECT_EQ(Count("SELECT count(*) FROM pg_class WHERE relname = 'alerts'"), 1);
  made = EnsureDayPartitions(*db_, "observations", kMonday, kMonday + 500 * kDay);
  ASSERT_FALSE(made.has_value());
  EXPECT_THAT(made.status().message(), HasSubstr("at most 400 day partitions"));
  made = EnsureDayPartitions(*db_, "grid_status", kMonday, kMonday + kDay);
  ASSERT_TRUE(made.has_value()) << made.status().message();
  EXPECT_EQ(*made, 1);
}

}  // namespace
}  // namespace metrify::store
