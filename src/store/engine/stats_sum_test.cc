// SumFromStats must give exactly what reading and aggregating gives
// (query::Aggregate over ReadLatest), whenever it answers at all.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "query/aggregate.h"
#include "query/calendar.h"
#include "store/engine/engine_test_support.h"
#include "store/engine/readings_engine.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine {
namespace {

using namespace test_support;

class StatsSumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ReadingsEngine::Open(FileSystem::Posix(), dir_.path(), ManualFlushOptions());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    engine_ = std::move(opened).value();
  }

  // Meters 1..20 over three UTC days from kJan15 with random gaps; meter 7
  // gets a revision; the last day stays in the head unless `flush_all`.
  void Load(bool flush_all) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> kwh(0, 0.5);
    for (int day = 0; day < 3; ++day) {
      std::vector<wal::WalSample> batch;
      for (int slot = 0; slot < 96; ++slot) {
        for (uint32_t m = 1; m <= 20; ++m) {
          if (rng() % 50 == 0) continue;  // a gap
          batch.push_back(Reading(m, kJan15 + day * kDay + slot * kQuarter,
                                  std::round(kwh(rng) * 1000) / 1000));
        }
      }
      ASSERT_TRUE(engine_->Append(kReading, batch).has_value());
      if (day < 2 || flush_all) {
        ASSERT_TRUE(engine_->FlushAll().ok());
      }
    }
    ASSERT_TRUE(
        engine_->Append(kReading, std::vector{Reading(7, kJan15 + 5 * kQuarter, 9)}).has_value());
    ASSERT_TRUE(engine_->Compact(/*include_head_days=*/false).ok());
  }

  // Compares the fast path with the decoding path for one meter; returns
  // whether the fast path answered.
  bool Check(uint32_t meter, const std::vector<int64_t>& edges) {
    ReadingsEngine::FieldBuckets fast;
    if (!engine_->SumFromStats(SeriesKey{kReading, meter}, edges, 0, &fast)) return false;
    std::vector<HeadSample> samples;
    EXPECT_TRUE(
        engine_->ReadLatest(SeriesKey{kReading, meter}, edges.front(), edges.back() + 1, &samples)
            .ok());
    std::vector<query::Point> points;
    for (const HeadSample& s : samples) {
      query::Point p;
      p.timestamp_ms = s.timestamp_ms;
      p.interval_s = s.interval_s;
      p.present = s.present & 1u;
      p.values[0] = s.values[0];
      points.push_back(p);
    }
    const auto slow = query::Aggregate(points, edges, query::Agg::kSum, 1u);
    for (size_t i = 0; i < slow.size(); ++i) {
      EXPECT_EQ(fast.samples[i], slow[i].count) << "meter " << meter << " bucket " << i;
      EXPECT_EQ(fast.values[i] > 0, (slow[i].present & 1u) != 0) << "bucket " << i;
      if (fast.values[i] > 0) {
        EXPECT_NEAR(fast.sums[i], slow[i].values[0], 1e-9);
      }
      const uint32_t expected =
          fast.interval_s == 0 ? 0 : uint32_t((edges[i + 1] - edges[i]) / (fast.interval_s * 1000));
      EXPECT_EQ(expected, slow[i].expected) << "bucket " << i;
    }
    return true;
  }

  std::vector<int64_t> Edges(int64_t start, int64_t end, query::Interval interval,
                             const char* zone) {
    auto edges = query::BucketEdges(start, end, interval, *query::FindZone(zone), 10000);
    EXPECT_TRUE(edges.has_value());
    return *edges;
  }

  wal::test_support::TempDir dir_;
  std::unique_ptr<ReadingsEngine> engine_;
};

TEST_F(StatsSumTest, UtcDaysOfCompactedSegmentsAnswerFromStatisticsAndAgree) {
  Load(/*flush_all=*/false);
  const auto days = Edges(kJan15, kJan15 + 3 * kDay, query::Interval::k1d, "UTC");
  int answered = 0;
  for (uint32_t m = 1; m <= 21; ++m) answered += Check(m, days);  // 21 has no data
  EXPECT_GE(answered, 20) << "all but the revised meter answer from statistics";
  EXPECT_FALSE(Check(7, days)) << "a revised reading needs decoding";
}

TEST_F(StatsSumTest, OtherBucketsEitherAgreeOrDecline) {
  Load(/*flush_all=*/true);
  for (const auto& edges :
       {Edges(kJan15, kJan15 + 3 * kDay, query::Interval::k1h, "UTC"),
        Edges(kJan15 - kDay, kJan15 + 4 * kDay, query::Interval::k1d, "Europe/Berlin"),
        Edges(kJan15 + 7 * kQuarter, kJan15 + 2 * kDay, query::Interval::k1d, "UTC"),
        Edges(kJan15, kJan15 + 60 * kDay, query::Interval::k1M, "UTC")}) {
    for (uint32_t m = 1; m <= 20; ++m) Check(m, edges);  // the assertions are inside
  }
  // Whole UTC days from the first reading of a day: the common rollup.
  EXPECT_TRUE(Check(1, Edges(kJan15, kJan15 + 2 * kDay, query::Interval::k1d, "UTC")));
  EXPECT_TRUE(Check(1, Edges(kJan15, kJan15 + 60 * kDay, query::Interval::k1M, "UTC")));
}

}  // namespace
}  // namespace metrify::engine
