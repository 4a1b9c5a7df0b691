// Retention in scaled mode (store/postgres/pg_retention.h) against a real
// PostgreSQL 15: the days before the cutoff go from all four series tables
// (day partitions and default partition), with their hour rows and dirty
// marks; the days kept are untouched to the row and the sum; the hour
// ending at the cutoff is recomputed from the one reading left and the
// rollups agree with the readings afterwards; passes racing each other and
// the rollup worker all succeed; retention 0 drops nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>

#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_retention.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_store.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"

namespace metrify::store {
namespace {

using engine::wal::WalSample;
using model::SeriesKind;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z
// Friday noon with 2 days kept: Thursday and Friday stay, Monday to
// Wednesday go.
constexpr int64_t kNow = kMonday + 4 * kDay + 12 * kHour;
constexpr int kKeepDays = 2;
constexpr int64_t kCutoff = kMonday + 3 * kDay;
constexpr uint32_t kMeters = 70;       // blocks 0 and 1
constexpr uint32_t kSilentMeter = 71;  // sent only on Monday
// Rows in readings_default: a day without a partition.
constexpr int64_t kOldDefault = kMonday - 40 * kDay + kQuarter;
constexpr int64_t kFutureDefault = kMonday + 30 * kDay + kQuarter;

// Meters 1..kMeters, quarter hours from Monday 00:15 to Saturday 00:00.
std::vector<WalSample> Readings() {
  std::vector<WalSample> out;
  for (int q = 1; q <= 5 * 96; ++q) {
    for (uint32_t m = 1; m <= kMeters; ++m) {
      WalSample s;
      s.entity_key = m;
      s.timestamp_ms = kMonday + q * kQuarter;
      s.interval_s = 900;
      s.values.fill(NAN);
      s.values[0] = ((m * 7 + q * 13) % 500) / 1000.0;
      s.present = 1;
      out.push_back(s);
    }
  }
  return out;
}

// One sample an hour of entity 1 for the five days (grid status,
// observations, VEE overlay).
std::vector<WalSample> Hourly() {
  std::vector<WalSample> out;
  for (int h = 1; h <= 5 * 24; ++h) {
    WalSample s;
    s.entity_key = 1;
    s.timestamp_ms = kMonday + h * kHour;
    s.interval_s = 3600;
    s.values.fill(NAN);
    s.values[0] = 50 + h / 1000.0;
    s.present = 1;
    out.push_back(s);
  }
  return out;
}

class PgRetentionTest : public test::PgSchemaTest {
 protected:
  // Five days of every kind, the rollups computed, then: a silent meter's
  // only reading on Monday; a revision on Tuesday and one on Thursday left
  // dirty; a row in the default partition of readings from long ago and
  // one from the future (no partition of its day), both dirty.
  void StoreFiveDays() {
    const std::vector<WalSample> readings = Readings();
    for (size_t i = 0; i < readings.size(); i += 20000) {
      std::span<const WalSample> part(readings.data() + i,
                                      std::min<size_t>(20000, readings.size() - i));
      ASSERT_TRUE(store_->Append(SeriesKind::kReading, part).has_value());
    }
    for (SeriesKind kind :
         {SeriesKind::kGridStatus, SeriesKind::kObservation, SeriesKind::kVeeOverlay}) {
      ASSERT_TRUE(store_->Append(kind, Hourly()).has_value());
    }
    WalSample silent = readings[0];
    silent.entity_key = kSilentMeter;
    ASSERT_TRUE(store_->Append(SeriesKind::kReading, std::vector{silent}).has_value());
    RecomputeAll();
    ASSERT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 0);
    for (int64_t ts : {kMonday + kDay + 10 * kQuarter, kCutoff + 10 * kQuarter}) {
      WalSample revised = readings[0];
      revised.timestamp_ms = ts;
      revised.values[0] = 9.5;
      ASSERT_TRUE(store_->Append(SeriesKind::kReading, std::vector{revised}).has_value());
    }
    ASSERT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 2);
    // Written past the store (which would make their days' partitions),
    // marked as the store marks.
    for (int64_t ts : {kOldDefault, kFutureDefault}) {
      WalSample s = readings[0];
      s.timestamp_ms = ts;
      ASSERT_TRUE(db_->InTransaction([&]() -> Status {
                       METRIFY_RETURN_IF_ERROR(
                           db_->Query("INSERT INTO readings (meter_key, ts, revision, interval_s,"
                                      " energy_kwh) VALUES (1, $1, 0, 900, 1)",
                                      {std::to_string(ts)})
                               .status());
                       return MarkRollupsDirty(*db_, std::vector{s});
                     })
                      .ok());
    }
    ASSERT_EQ(Count("SELECT count(*) FROM readings_default"), 2);
    ASSERT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 4);
  }
  void RecomputeAll() {
    for (;;) {
      Result<RollupRound> round = RecomputeDirtyHours(*db_, 1000);
      ASSERT_TRUE(round.has_value()) << round.status().message();
      if (round->claims == 0) return;
    }
  }
  std::string Text(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.status().message();
    return rows.has_value() && rows->size() == 1 ? std::string(rows->Text(0, 0)) : "";
  }
  int64_t DayPartitions() {
    return Count(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE c.relname ~ '^(readings|grid_status|observations|vee_overlay)_[0-9]{8}$'");
  }
  // What must not change: rows, revisions and sums of the kept days of
  // every table, and the hour rows wholly inside them.
  std::string KeptState() {
    std::string out;
    for (const char* table : {"readings", "grid_status", "observations", "vee_overlay"}) {
      const char* value = std::string(table) == "readings"       ? "energy_kwh"
                          : std::string(table) == "grid_status"  ? "frequency_hz"
                          : std::string(table) == "observations" ? "temperature_c"
                                                                 : "energy_kwh";
      out += Text(fmt::format("SELECT count(*) || '/' || sum(revision) || '/' || sum({}) FROM {}"
                              " WHERE ts >= {}",
                              value, table, kCutoff)) +
             " ";
    }
    out += Text(fmt::format(
        "SELECT count(*) || '/' || sum(samples) || '/' || sum(energy_units) FROM readings_hourly"
        " WHERE hour >= {}",
        kCutoff));
    return out;
  }
};

TEST_F(PgRetentionTest, TheCutoffIsTheMidnightStartingTheOldestDayKept) {
  EXPECT_EQ(RetentionCutoffMs(kKeepDays, kNow), kCutoff);
  EXPECT_EQ(RetentionCutoffMs(1, kNow), kMonday + 4 * kDay) << "today only";
  EXPECT_EQ(RetentionCutoffMs(1, kMonday + 4 * kDay), kMonday + 4 * kDay) << "at midnight";
  EXPECT_EQ(RetentionCutoffMs(1, kMonday + 4 * kDay - 1), kMonday + 3 * kDay);
}

TEST_F(PgRetentionTest, ExpiredDaysGoWithTheirRollupsAndKeptDaysAreUntouched) {
  StoreFiveDays();
  ASSERT_EQ(DayPartitions(), 4 * 6) << "Monday to Saturday (the reading at Saturday 00:00)";
  const std::string kept = KeptState();
  const int64_t boundary = kCutoff - kHour;
  ASSERT_EQ(Count(fmt::format("SELECT count(*) FROM readings_hourly WHERE hour = {}", boundary)),
            kMeters);

  Result<RetentionPass> pass = DropExpiredDays(*db_, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_TRUE(pass->ran);
  EXPECT_FALSE(pass->locked_out);
  EXPECT_EQ(pass->cutoff_ms, kCutoff);
  EXPECT_EQ(pass->partitions_dropped, 4 * 3) << "Monday to Wednesday of the four tables";
  EXPECT_EQ(pass->default_rows_deleted, 1) << "the old row in readings_default";
  // Monday to Wednesday of 70 meters, and the silent meter's Monday hour;
  // the hour ending at the cutoff counts among them.
  EXPECT_EQ(pass->hour_rows_deleted, kMeters * 72 + 1);
  EXPECT_EQ(pass->dirty_marks_deleted, 2) << "Tuesday's revision, the old default row";
  EXPECT_EQ(pass->dirty_marks_added, 2) << "both blocks' meters have a reading at the cutoff";

  // Rows: nothing before the cutoff in any table; the future row stays.
  for (const char* table : {"readings", "grid_status", "observations", "vee_overlay"}) {
    EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM {} WHERE ts < {}", table, kCutoff)), 0)
        << table;
  }
  EXPECT_EQ(Count("SELECT min(ts) FROM readings"), kCutoff);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_default"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_class WHERE relname = 'readings_20250115'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_class WHERE relname = 'vee_overlay_20250115'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_class WHERE relname = 'readings_20250116'"), 1);
  EXPECT_EQ(DayPartitions(), 4 * 3);
  EXPECT_EQ(KeptState(), kept) << "the days kept are untouched";

  // Rollups: no hour row or mark before the hour ending at the cutoff;
  // that hour's rows are gone and its blocks dirty; Thursday's mark and
  // the future row's stay.
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM readings_hourly WHERE hour <= {}", boundary)),
            0);
  EXPECT_EQ(Text("SELECT string_agg(meter_block || '@' || hour, ',' ORDER BY hour, meter_block)"
                 " FROM rollup_dirty"),
            fmt::format("0@{},1@{},0@{},0@{}", boundary, boundary, kCutoff + 2 * kHour,
                        kFutureDefault - kQuarter));
  // The newest sample of the silent meter stays, as in embedded mode.
  EXPECT_EQ(Count(fmt::format("SELECT ts FROM latest_samples WHERE kind = 1 AND entity_key = {}",
                              kSilentMeter)),
            kMonday + kQuarter);

  // The worker recomputes the hour ending at the cutoff from its one
  // reading left, and the rollups agree with the readings everywhere.
  RecomputeAll();
  EXPECT_EQ(Text(fmt::format("SELECT samples || '/' || last_ts FROM readings_hourly"
                             " WHERE meter_key = 1 AND hour = {}",
                             boundary)),
            fmt::format("1/{}", kCutoff));
  ExpectRollupsMatchReadings();

  // A second pass finds nothing more to do.
  pass = DropExpiredDays(*db_, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_EQ(pass->partitions_dropped + pass->default_rows_deleted + pass->hour_rows_deleted +
                pass->dirty_marks_deleted + pass->dirty_marks_added,
            0);
  ExpectRollupsMatchReadings();
}

TEST_F(PgRetentionTest, ZeroKeepsEverythingAndANegativeCountIsRefused) {
  StoreFiveDays();
  const int64_t rows = Count("SELECT count(*) FROM readings");
  const int64_t hours = Count("SELECT count(*) FROM readings_hourly");
  Result<RetentionPass> pass = DropExpiredDays(*db_, 0, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_FALSE(pass->ran);
  EXPECT_EQ(pass->partitions_dropped, 0);
  EXPECT_EQ(DayPartitions(), 4 * 6);
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), rows);
  EXPECT_EQ(Count("SELECT count(*) FROM readings_hourly"), hours);
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 4);

  pass = DropExpiredDays(*db_, -1, kNow);
  ASSERT_FALSE(pass.has_value());
  EXPECT_EQ(pass.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pass.status().message().find("not -1"), std::string::npos) << pass.status().message();
  EXPECT_EQ(DayPartitions(), 4 * 6);
}

// Stored quality reports whose daily check counted dropped days as history
// go with the drop (the worker's sweep stores recent ones again); later
// ones stay, and a pass that drops nothing leaves them alone.
TEST_F(PgRetentionTest, StoredQualityDaysThatCountedDroppedDaysGoWithThem) {
  StoreFiveDays();
  const int64_t first_kept = kCutoff / kDay;
  const int64_t last_stale = first_kept + kQualityHistoryMarginDays;
  for (int64_t day : {first_kept - 2, first_kept, last_stale, last_stale + 1, last_stale + 2}) {
    ASSERT_TRUE(db_->Exec(fmt::format("INSERT INTO quality_daily (meter_key, day, inputs, "
                                      "sent_fields, figures) VALUES (1, {}, 7, 1, '\\x00')",
                                      day))
                    .ok());
  }
  // Ingest marked the hours it stored; these two for sure.
  ASSERT_TRUE(db_->Exec(fmt::format("INSERT INTO quality_dirty VALUES (0, {}), (0, {}) "
                                    "ON CONFLICT DO NOTHING",
                                    kCutoff - kHour, kCutoff))
                  .ok());
  const int64_t kept_marks =
      Count(fmt::format("SELECT count(*) FROM quality_dirty WHERE hour >= {}", kCutoff));
  Result<RetentionPass> pass = DropExpiredDays(*db_, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_EQ(pass->quality_days_deleted, 3);
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM quality_daily WHERE day > {}", last_stale)), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM quality_daily"), 2);
  EXPECT_EQ(Count(fmt::format(
                "SELECT count(*) FROM quality_dirty WHERE meter_block = 0 AND hour = {}", kCutoff)),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM quality_dirty"), kept_marks)
      << "those before the cutoff go";
  // Stored again by the sweep: the next pass drops nothing and keeps it.
  ASSERT_TRUE(db_->Exec(fmt::format("INSERT INTO quality_daily (meter_key, day, inputs, "
                                    "sent_fields, figures) VALUES (1, {}, 7, 1, '\\x00')",
                                    first_kept))
                  .ok());
  pass = DropExpiredDays(*db_, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_EQ(pass->partitions_dropped, 0);
  EXPECT_EQ(pass->quality_days_deleted, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM quality_daily"), 3);
}

// While another session holds the retention lock a pass does nothing and
// says so; once it is released the pass runs.
TEST_F(PgRetentionTest, OnePassAtATime) {
  StoreFiveDays();
  ASSERT_TRUE(
      db_->Query("SELECT pg_advisory_lock($1)", {std::to_string(kRetentionLockKey)}).has_value());
  auto other = test::ConnectOrThrow(pg_->url());
  Result<RetentionPass> pass = DropExpiredDays(*other, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_TRUE(pass->locked_out);
  EXPECT_FALSE(pass->ran);
  EXPECT_EQ(DayPartitions(), 4 * 6);
  ASSERT_TRUE(
      db_->Query("SELECT pg_advisory_unlock($1)", {std::to_string(kRetentionLockKey)}).has_value());
  pass = DropExpiredDays(*other, kKeepDays, kNow);
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_TRUE(pass->ran);
  EXPECT_EQ(pass->partitions_dropped, 12);
  // The pass let go of the lock.
  EXPECT_EQ(Text(fmt::format("SELECT pg_try_advisory_lock({})", kRetentionLockKey)), "t");
}

// Two replicas' passes and a rollup worker at once, with every hour dirty:
// nothing fails, the days go once, and the rollups end consistent.
TEST_F(PgRetentionTest, ConcurrentPassesAndRollupRoundsAllSucceed) {
  StoreFiveDays();
  ASSERT_TRUE(db_->Exec("INSERT INTO rollup_dirty SELECT DISTINCT meter_key / 64,"
                        " (ts - 1) / 3600000 * 3600000 FROM readings ON CONFLICT DO NOTHING")
                  .ok());
  int dropped[2] = {0, 0};
  std::atomic<int> ran{0};
  std::atomic<bool> passes_done{false};
  std::thread passes[2];
  for (int p = 0; p < 2; ++p) {
    passes[p] = std::thread([&, p] {
      auto db = test::ConnectOrThrow(pg_->url());
      for (int i = 0; i < 3; ++i) {
        Result<RetentionPass> pass = DropExpiredDays(*db, kKeepDays, kNow);
        ASSERT_TRUE(pass.has_value()) << pass.status().message();
        dropped[p] += pass->partitions_dropped;
        if (pass->ran) ++ran;
      }
    });
  }
  std::thread rounds([&] {
    auto db = test::ConnectOrThrow(pg_->url());
    while (!passes_done.load()) {
      Result<RollupRound> round = RecomputeDirtyHours(*db, 5);
      ASSERT_TRUE(round.has_value()) << round.status().message();
    }
  });
  for (auto& t : passes) t.join();
  passes_done = true;
  rounds.join();
  EXPECT_GE(ran, 1);
  EXPECT_EQ(dropped[0] + dropped[1], 12) << "each day dropped once";
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM readings WHERE ts < {}", kCutoff)), 0);
  RecomputeAll();
  EXPECT_EQ(
      Count(fmt::format("SELECT count(*) FROM readings_hourly WHERE hour < {}", kCutoff - kHour)),
      0);
  ExpectRollupsMatchReadings();
}

}  // namespace
}  // namespace metrify::store
