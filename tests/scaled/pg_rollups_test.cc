// Hourly rollups in PostgreSQL (store/postgres/pg_rollups.h) against a real
// PostgreSQL 15: ingest marks hours dirty, a round recomputes them from
// the latest revisions, and SumFromRollups answers exactly what reading the
// raw rows and aggregating them (api/fleet_routes.cc's raw path) gives, bit
// for bit, or declines: while an hour is dirty, for edges off the hour,
// mixed intervals, or sums it cannot certify.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "query/aggregate.h"
#include "query/calendar.h"
#include "query/compensated_sum.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_store.h"
#include "store/postgres/rollup_sum.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"

namespace metrify::store {
namespace {

using engine::HeadSample;
using engine::SeriesKey;
using engine::wal::WalSample;
using model::SeriesKind;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

WalSample Reading(uint32_t key, int64_t ts, double kwh, int32_t interval_s = 900) {
  WalSample s;
  s.entity_key = key;
  s.timestamp_ms = ts;
  s.interval_s = interval_s;
  s.values.fill(NAN);
  s.values[0] = kwh;
  s.present = 1;
  return s;
}

uint64_t Bits(double x) { return std::bit_cast<uint64_t>(x); }

std::vector<int64_t> Edges(int64_t start, int64_t end, query::Interval interval, const char* zone) {
  auto edges = query::BucketEdges(start, end, interval, *query::FindZone(zone), 10000);
  EXPECT_TRUE(edges.has_value());
  return *edges;
}

TEST(ExactSumTest, Int128RoundsToNearestEvenOnce) {
  // A tie far below 64 bits: a conversion that rounded twice would miss the
  // sticky bit and go down.
  const Int128 two100 = Int128{1} << 100;
  EXPECT_EQ(static_cast<double>(two100 + (Int128{1} << 47)), std::ldexp(1.0, 100));
  EXPECT_EQ(static_cast<double>(two100 + (Int128{1} << 47) + 1),
            std::ldexp(1.0, 100) + std::ldexp(1.0, 48));
  EXPECT_EQ(static_cast<double>(-(two100 + (Int128{3} << 47))),
            -(std::ldexp(1.0, 100) + std::ldexp(1.0, 49)));
  for (Int128 v : {Int128{0}, Int128{-1}, two100 * 3 + 12345, -(two100 * 7) - 99}) {
    EXPECT_EQ(ParseInt128(Int128ToText(v)), std::optional<Int128>(v));
  }
  EXPECT_EQ(ParseInt128("12.000"), std::optional<Int128>(12));
  EXPECT_FALSE(ParseInt128("1.5"));
  EXPECT_FALSE(ParseInt128("999999999999999999999999999999999999999999"));
}

// CertifiedTotal, when it answers, is what CompensatedSum gives in the
// raw path's order; it answers for meter-like data.
TEST(ExactSumTest, CertifiedTotalEqualsTheCompensatedSum) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> any(0, 2);
  int answered = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    ExactSum exact;
    query::CompensatedSum neumaier;
    const int n = 1 + static_cast<int>(rng() % 3000);
    const bool rounded = trial % 2 == 0;  // meter resolution, or every bit used
    for (int i = 0; i < n; ++i) {
      double x = any(rng) * (trial % 7 == 0 ? 1000 : 1);
      if (rounded) x = std::round(x * 1000) / 1000;
      if (trial % 5 == 0 && i % 3 == 0) x = -x;  // export netted, cancellation
      exact.Add(x);
      neumaier.Add(x);
    }
    ASSERT_TRUE(exact.exact());
    std::optional<double> total = CertifiedTotal(
        {.n = exact.n(), .units = exact.units(), .grid = exact.grid(), .abs = exact.abs()});
    if (!total) continue;
    ++answered;
    ASSERT_EQ(Bits(*total), Bits(neumaier.Total())) << "trial " << trial;
  }
  EXPECT_EQ(answered, 2000);
}

TEST(ExactSumTest, ValuesOffTheGridAreNotExact) {
  for (double odd : {1e-30, std::ldexp(1.0, 60), double(NAN), double(INFINITY)}) {
    ExactSum s;
    s.Add(0.25);
    s.Add(odd);
    EXPECT_FALSE(s.exact()) << odd;
    EXPECT_EQ(s.n(), 2u);
  }
}

class PgRollupsTest : public test::PgSchemaTest {
 protected:
  // Stores `batch` and marks its hours, as ingest does (there, in one
  // transaction).
  void Store(const std::vector<WalSample>& batch) {
    Result<AppendCounts> counts = store_->Append(SeriesKind::kReading, batch);
    ASSERT_TRUE(counts.has_value()) << counts.status().message();
    Status marked = db_->InTransaction([&] { return MarkRollupsDirty(*db_, batch); });
    ASSERT_TRUE(marked.ok()) << marked.message();
  }
  // Rounds until the backlog is empty; returns the hours recomputed.
  size_t RollUp(size_t chunk = 500) {
    size_t total = 0;
    for (;;) {
      Result<RollupRound> round = RecomputeDirtyHours(*db_, chunk);
      EXPECT_TRUE(round.has_value()) << round.status().message();
      if (!round || round->claims == 0) return total;
      total += round->hours;
    }
  }
  // The raw path of api/fleet_routes.cc: the latest revisions, aggregated.
  std::vector<query::BucketValue> Raw(uint32_t meter, const std::vector<int64_t>& edges,
                                      int field) {
    std::vector<HeadSample> samples;
    EXPECT_TRUE(store_
                    ->ReadLatest(SeriesKey{SeriesKind::kReading, meter}, edges.front(),
                                 edges.back() + 1, &samples)
                    .ok());
    std::vector<query::Point> points;
    for (const HeadSample& s : samples) {
      query::Point p;
      p.timestamp_ms = s.timestamp_ms;
      p.interval_s = s.interval_s;
      p.present = s.present;
      for (size_t f = 0; f < p.values.size(); ++f) p.values[f] = s.values[f];
      points.push_back(p);
    }
    return query::Aggregate(points, edges, query::Agg::kSum, uint16_t(1u << field));
  }
  // SumFromRollups for one meter, checked bit for bit against Raw when it
  // answers; returns whether it did.
  bool Check(uint32_t meter, const std::vector<int64_t>& edges, int field = 0) {
    FieldBuckets fast;
    if (!SumFromRollups(*pool_, SeriesKey{SeriesKind::kReading, meter}, edges, field, &fast)) {
      return false;
    }
    const std::vector<query::BucketValue> slow = Raw(meter, edges, field);
    EXPECT_EQ(fast.samples.size(), slow.size());
    for (size_t i = 0; i < slow.size() && i < fast.samples.size(); ++i) {
      EXPECT_EQ(fast.samples[i], slow[i].count) << "meter " << meter << " bucket " << i;
      EXPECT_EQ(fast.values[i] > 0, ((slow[i].present >> field) & 1u) != 0) << "bucket " << i;
      if (fast.values[i] > 0) {
        EXPECT_EQ(Bits(fast.sums[i]), Bits(slow[i].values[field]))
            << "meter " << meter << " bucket " << i << ": " << fast.sums[i] << " vs "
            << slow[i].values[field];
      }
      const uint32_t expected =
          fast.interval_s == 0
              ? 0
              : uint32_t((edges[i + 1] - edges[i]) / (int64_t{fast.interval_s} * 1000));
      EXPECT_EQ(expected, slow[i].expected) << "meter " << meter << " bucket " << i;
    }
    return true;
  }
};

TEST_F(PgRollupsTest, HourOfAReadingIsTheHourItEnds) {
  EXPECT_EQ(RollupHourOf(kMonday + kHour), kMonday);
  EXPECT_EQ(RollupHourOf(kMonday + 1), kMonday);
  EXPECT_EQ(RollupHourOf(kMonday), kMonday - kHour);
  EXPECT_EQ(RollupHourOf(0), -kHour);
  EXPECT_EQ(RollupHourOf(-kHour + 1), -kHour);
}

TEST_F(PgRollupsTest, MarkingInsertsEachDistinctHourOnceAndRepeatsAreHarmless) {
  std::vector<WalSample> batch;
  for (uint32_t m = 1; m <= 3; ++m) {
    for (int q = 1; q <= 8; ++q) batch.push_back(Reading(m, kMonday + q * kQuarter, 0.1));
  }
  batch.push_back(Reading(64, kMonday + kQuarter, 0.1));  // the next block of meters
  Store(batch);
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 2 + 1) << "meters 1-3 share a block";
  Store(batch);  // the same hours again: no error, no new rows
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 2 + 1);
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM rollup_dirty WHERE hour = {}", kMonday)), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty WHERE meter_block = 1"), 1);
  // A transaction that rolls back takes its marks with it.
  ASSERT_TRUE(db_->Exec("BEGIN").ok());
  ASSERT_TRUE(MarkRollupsDirty(*db_, std::vector{Reading(9, kMonday + kDay, 1)}).ok());
  ASSERT_TRUE(db_->Exec("ROLLBACK").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 2 + 1);
}

// Ingest finding a mark already there holds it until it commits: a worker
// claiming it meanwhile would read without the uncommitted reading, delete
// the mark, and leave the hour's row without that reading for good.
TEST_F(PgRollupsTest, AMarkAnIngestReliesOnIsNotClaimedBeforeTheIngestCommits) {
  Store({Reading(1, kMonday + kQuarter, 0.1)});
  ASSERT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 1);
  auto ingest = PgConnection::Connect(pg_->url(), std::chrono::seconds(10));
  ASSERT_TRUE(ingest.has_value()) << ingest.status().message();
  const std::vector<WalSample> late = {Reading(1, kMonday + 2 * kQuarter, 0.2)};
  ASSERT_TRUE(store_->PreparePartitions(**ingest, SeriesKind::kReading, late).ok());
  ASSERT_TRUE((*ingest)->Exec("BEGIN").ok());
  ASSERT_TRUE(PgSeriesStore::AppendIn(**ingest, SeriesKind::kReading, late).has_value());
  // AppendIn marks the hour: the mark was there, so it is only held.
  Result<RollupRound> round = RecomputeDirtyHours(*db_, 100);
  ASSERT_TRUE(round.has_value()) << round.status().message();
  EXPECT_EQ(round->claims, 0u) << "the held mark is passed over";
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 1);
  ASSERT_TRUE((*ingest)->Exec("COMMIT").ok());
  EXPECT_EQ(RollUp(), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 0);
  EXPECT_EQ(Count(fmt::format("SELECT samples FROM readings_hourly WHERE meter_key = 1 AND "
                              "hour = {}",
                              kMonday)),
            2)
      << "both readings";
}

TEST_F(PgRollupsTest, HourRowsHoldTheSumsOfTheirReadings) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> milli(0, 800);
  std::map<std::pair<uint32_t, int64_t>, std::pair<int, double>> want;  // samples, sum
  std::vector<WalSample> batch;
  for (uint32_t m = 1; m <= 30; ++m) {
    for (int q = 1; q <= 2 * 96; ++q) {
      if (rng() % 13 == 0) continue;  // a gap
      const double kwh = milli(rng) / 1000.0;
      batch.push_back(Reading(m, kMonday + q * kQuarter, kwh));
      auto& w = want[{m, RollupHourOf(kMonday + q * kQuarter)}];
      ++w.first;
      w.second += kwh;
    }
  }
  Store(batch);
  EXPECT_EQ(RollUp(), want.size());
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 0);
  auto rows = db_->Query(
      "SELECT meter_key, hour, samples, energy_n, interval_s, last_ts,"
      " energy_units::float8 * 2::float8 ^ -80, export_n FROM readings_hourly");
  ASSERT_TRUE(rows.has_value()) << rows.status().message();
  ASSERT_EQ(static_cast<size_t>(rows->size()), want.size());
  for (int r = 0; r < rows->size(); ++r) {
    const auto key = std::make_pair(static_cast<uint32_t>(rows->Int(r, 0)), rows->Int(r, 1));
    ASSERT_TRUE(want.contains(key)) << key.first << " " << key.second;
    EXPECT_EQ(rows->Int(r, 2), want[key].first);
    EXPECT_EQ(rows->Int(r, 3), want[key].first);
    EXPECT_EQ(rows->Int(r, 4), 900);
    EXPECT_GT(rows->Int(r, 5), key.second);
    EXPECT_LE(rows->Int(r, 5), key.second + kHour);
    EXPECT_NEAR(std::stod(std::string(rows->Text(r, 6))), want[key].second, 1e-12);
    EXPECT_EQ(rows->Int(r, 7), 0) << "no export values";
  }
}

TEST_F(PgRollupsTest, AReadingOnTheHourBelongsToTheHourItCloses) {
  Store({Reading(1, kMonday + kHour, 1.0), Reading(1, kMonday + kHour + kQuarter, 2.0)});
  RollUp();
  EXPECT_EQ(Count(fmt::format(
                "SELECT samples FROM readings_hourly WHERE meter_key = 1 AND hour = {}", kMonday)),
            1);
  EXPECT_EQ(
      Count(fmt::format("SELECT samples FROM readings_hourly WHERE meter_key = 1 AND hour = {}",
                        kMonday + kHour)),
      1);
  const auto hours = Edges(kMonday, kMonday + 3 * kHour, query::Interval::k1h, "UTC");
  ASSERT_TRUE(Check(1, hours));
}

TEST_F(PgRollupsTest, OnlyTheLatestRevisionCounts) {
  Store({Reading(1, kMonday + kQuarter, 0.5), Reading(1, kMonday + 2 * kQuarter, 0.25)});
  RollUp();
  const auto hours = Edges(kMonday, kMonday + 2 * kHour, query::Interval::k1h, "UTC");
  FieldBuckets b;
  ASSERT_TRUE(SumFromRollups(*pool_, SeriesKey{SeriesKind::kReading, 1}, hours, 0, &b));
  EXPECT_EQ(b.sums[0], 0.75);
  Store({Reading(1, kMonday + kQuarter, 1.5)});  // a revision
  EXPECT_FALSE(SumFromRollups(*pool_, SeriesKey{SeriesKind::kReading, 1}, hours, 0, &b))
      << "the revised hour is dirty: the raw path must answer";
  EXPECT_EQ(RollUp(), 1u);
  ASSERT_TRUE(SumFromRollups(*pool_, SeriesKey{SeriesKind::kReading, 1}, hours, 0, &b));
  EXPECT_EQ(b.sums[0], 1.75);
  EXPECT_EQ(b.samples[0], 2u);
  EXPECT_TRUE(Check(1, hours));
}

TEST_F(PgRollupsTest, ADirtyHourInOrJustBeforeTheRangeMakesItDecline) {
  std::vector<WalSample> day;
  for (int q = 1; q <= 96; ++q) day.push_back(Reading(1, kMonday + q * kQuarter, 0.1 * q));
  Store(day);
  const auto days = Edges(kMonday + kHour, kMonday + kDay, query::Interval::k1h, "UTC");
  EXPECT_FALSE(Check(1, days)) << "not rolled up yet";
  RollUp();
  EXPECT_TRUE(Check(1, days));
  // The hour ending at the first edge: its last reading is seen by the raw
  // read (its interval counts), so it must not be stale either.
  ASSERT_TRUE(db_->InTransaction([&] {
                   return MarkRollupsDirty(*db_, std::vector{Reading(1, kMonday + kHour, 0)});
                 })
                  .ok());
  EXPECT_FALSE(Check(1, days));
  RollUp();
  EXPECT_TRUE(Check(1, days));
  // Other blocks of meters and hours outside the range do not matter; a
  // meter of the same block of 64 does.
  Store({Reading(64, kMonday + kQuarter, 1), Reading(1, kMonday + 2 * kDay, 1)});
  EXPECT_TRUE(Check(1, days));
  Store({Reading(63, kMonday + 5 * kHour, 1)});
  EXPECT_FALSE(Check(1, days));
}

TEST_F(PgRollupsTest, AgreesBitForBitWithTheRawPathOverCalendars) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> any(0, 3);
  std::vector<WalSample> batch;
  for (uint32_t m = 1; m <= 12; ++m) {
    for (int q = 1; q <= 40 * 96; ++q) {
      if (rng() % 29 == 0) continue;
      double kwh = any(rng) * (m % 4 == 0 ? 500 : 1);
      if (m % 2 == 0) kwh = std::round(kwh * 1000) / 1000;  // meter resolution
      WalSample s = Reading(m, kMonday + q * kQuarter, kwh);
      if (m % 3 == 0) {
        s.values[1] = std::round(any(rng) * 100) / 1000;  // export
        s.present |= 2;
      }
      batch.push_back(s);
    }
  }
  Store(batch);
  RollUp(2000);
  const int64_t end = kMonday + 40 * kDay;
  const std::vector<std::vector<int64_t>> calendars = {
      Edges(kMonday, kMonday + 3 * kDay, query::Interval::k1h, "UTC"),
      Edges(kMonday, end, query::Interval::k1d, "UTC"),
      Edges(kMonday - kDay, end + kDay, query::Interval::k1d, "Europe/Berlin"),
      Edges(kMonday + 7 * kHour, end, query::Interval::k1d, "America/New_York"),
      Edges(kMonday - 40 * kDay, end + 60 * kDay, query::Interval::k1M, "Europe/Berlin"),
  };
  int answered = 0;
  for (const auto& edges : calendars) {
    for (uint32_t m = 1; m <= 13; ++m) {  // 13 has no readings at all
      answered += Check(m, edges, 0);
      if (m % 3 == 0) answered += Check(m, edges, 1);
    }
  }
  EXPECT_EQ(answered, 5 * (13 + 4)) << "every meter and calendar answers from the rollup";
  // Quarter hours and half-hour zones are not whole hours: the raw path.
  EXPECT_FALSE(Check(1, Edges(kMonday, kMonday + kDay, query::Interval::k15m, "UTC")));
  EXPECT_FALSE(Check(1, Edges(kMonday, end, query::Interval::k1d, "Asia/Kolkata")));
  EXPECT_FALSE(Check(1, Edges(kMonday, end, query::Interval::k1d, "UTC"), 2))
      << "register_kwh is not rolled up";
}

TEST_F(PgRollupsTest, DeclinesWhatItCannotAnswerExactly) {
  const auto days = Edges(kMonday, kMonday + 2 * kDay, query::Interval::k1d, "UTC");
  // A value below the 2^-80 grid, one too large for the units, mixed intervals.
  Store({Reading(1, kMonday + kQuarter, 1e-30), Reading(1, kMonday + 2 * kQuarter, 0.5)});
  Store({Reading(2, kMonday + kQuarter, 1e15)});
  Store({Reading(3, kMonday + kQuarter, 1.0), Reading(3, kMonday + kHour, 2.0, 3600)});
  Store({Reading(4, kMonday + kQuarter, 1.0), Reading(4, kMonday + kDay + kHour, 2.0, 3600)});
  Store({Reading(5, kMonday + kQuarter, 1.0)});
  RollUp();
  for (uint32_t m = 1; m <= 4; ++m) EXPECT_FALSE(Check(m, days)) << "meter " << m;
  EXPECT_TRUE(Check(5, days));
}

TEST_F(PgRollupsTest, TheBatchedReadAnswersPerMeter) {
  std::vector<WalSample> batch;
  for (uint32_t m = 1; m <= 150; ++m) {
    for (int q = 1; q <= 96; ++q) batch.push_back(Reading(m, kMonday + q * kQuarter, m * 0.001));
  }
  Store(batch);
  RollUp();
  Store({Reading(70, kMonday + 3 * kQuarter, 5)});  // meters 64-127 dirty again
  const auto days = Edges(kMonday, kMonday + kDay, query::Interval::k1d, "UTC");
  std::vector<uint32_t> keys;
  for (uint32_t m = 1; m <= 151; ++m) keys.push_back(m);
  auto answers = SumFromRollupsMany(*db_, keys, days, 0);
  ASSERT_TRUE(answers.has_value()) << answers.status().message();
  for (uint32_t m = 1; m <= 151; ++m) {
    const auto& a = (*answers)[m - 1];
    ASSERT_EQ(a.has_value(), m < 64 || m > 127) << "meter " << m;
    if (!a) continue;
    FieldBuckets one;
    ASSERT_TRUE(SumFromRollups(*pool_, SeriesKey{SeriesKind::kReading, m}, days, 0, &one));
    EXPECT_EQ(a->samples, one.samples);
    EXPECT_EQ(a->values, one.values);
    EXPECT_EQ(Bits(a->sums[0]), Bits(one.sums[0]));
    EXPECT_EQ(a->interval_s, m == 151 ? 0 : 900);
  }
}

TEST_F(PgRollupsTest, ReadingsStoredBeforeTheRollupTablesStartDirty) {
  ASSERT_TRUE(db_->Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
  std::vector<PgMigration> up_to_6;
  for (const PgMigration& m : PgMigrations()) {
    if (m.version <= 6) up_to_6.push_back(m);
  }
  ASSERT_TRUE(ApplyPgMigrations(*db_, up_to_6).has_value());
  // Written as a version-6 installation did: the rows only (today's writer
  // marks their hours, in a table version 6 does not have).
  const std::vector<WalSample> old = {Reading(1, kMonday, 1), Reading(1, kMonday + kQuarter, 2),
                                      Reading(2, kMonday + kHour, 3)};
  ASSERT_TRUE(store_->PreparePartitions(*db_, SeriesKind::kReading, old).ok());
  for (const WalSample& r : old) {
    ASSERT_TRUE(db_->Exec(fmt::format("INSERT INTO readings (meter_key, ts, revision, interval_s, "
                                      "energy_kwh) VALUES ({}, {}, 0, 900, {})",
                                      r.entity_key, r.timestamp_ms, r.values[0]))
                    .ok());
  }
  ASSERT_TRUE(ApplyPgMigrations(*db_, PgMigrations()).has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 2) << "one block, two hours";
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM rollup_dirty WHERE hour = {}", kMonday)), 1);
  RollUp();
  EXPECT_TRUE(Check(1, Edges(kMonday - kDay, kMonday + kDay, query::Interval::k1h, "UTC")));
}

}  // namespace
}  // namespace metrify::store
