#include "query/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "query/calendar.h"
#include "query/compensated_sum.h"
#include "query/query_testing.h"

namespace metrify::query {
namespace {

using testing::kMinute;
using testing::Utc;
using testing::Zone;

constexpr int64_t kQuarter = 15 * kMinute;

Point At(int64_t end_ms, int32_t interval_s, double value, int field = 0) {
  Point p;
  p.timestamp_ms = end_ms;
  p.interval_s = interval_s;
  p.values[field] = value;
  p.present = uint16_t(1u << field);
  return p;
}

std::vector<int64_t> EdgesOrDie(const char* zone, Interval interval, int64_t start, int64_t end) {
  auto edges = BucketEdges(start, end, interval, Zone(zone), 100'000);
  EXPECT_TRUE(edges.has_value()) << edges.status().ToString();
  return edges.has_value() ? *edges : std::vector<int64_t>{};
}

// Quarter-hour readings covering [start, end) completely: stamped at interval ends.
std::vector<Point> QuarterHours(int64_t start, int64_t end, double value) {
  std::vector<Point> points;
  for (int64_t t = start + kQuarter; t <= end; t += kQuarter) points.push_back(At(t, 900, value));
  return points;
}

TEST(AggregateAssign, IntervalEndTimestampsFallInTheBucketTheirIntervalCovers) {
  // Berlin local days 2025-03-28, 29 and 30 (the last one 23 hours long).
  const std::vector<int64_t> edges = EdgesOrDie(
      "Europe/Berlin", Interval::k1d, Utc("2025-03-27T23:00:00Z"), Utc("2025-03-30T22:00:00Z"));
  ASSERT_EQ(edges.size(), 4u);
  const struct {
    const char* timestamp;
    int32_t interval_s;
    int bucket;  // -1: outside the range
    const char* why;
  } kCases[] = {
      {"2025-03-29T23:15:00Z", 900, 2, "00:15 local measured 00:00-00:15 of the 30th"},
      {"2025-03-29T23:00:00Z", 900, 1, "00:00 local measured the last quarter of the 29th"},
      {"2025-03-29T23:00:00Z", 0, 2, "an instant at 00:00 local is on the 30th"},
      {"2025-03-30T22:00:00Z", 900, 2, "the last quarter of the 23-hour day"},
      {"2025-03-30T22:00:00Z", 0, -1, "an instant at the range end is outside"},
      {"2025-03-27T23:00:00Z", 900, -1, "the last quarter of the 27th is outside"},
      {"2025-03-28T00:00:00Z", 3600, 0, "an hourly reading 00:00-01:00 local"},
  };
  for (const auto& c : kCases) {
    std::vector<Point> points = {At(Utc(c.timestamp), c.interval_s, 1.0)};
    std::vector<BucketValue> buckets = Aggregate(points, edges, Agg::kSum, 1);
    ASSERT_EQ(buckets.size(), 3u);
    for (int b = 0; b < 3; ++b) {
      EXPECT_EQ(buckets[b].count, b == c.bucket ? 1u : 0u) << c.why << ", bucket " << b;
    }
  }
}

TEST(AggregateGaps, EmptyBucketsReportCountZeroAndNaNNeverZero) {
  int64_t t = Utc("2025-06-01T00:00:00Z");
  std::vector<int64_t> edges = {t, t + kQuarter, t + 2 * kQuarter, t + 3 * kQuarter};
  std::vector<Point> points = {At(t + kQuarter, 900, 0.25), At(t + 3 * kQuarter, 900, 0.5)};
  for (Agg agg : {Agg::kSum, Agg::kAvg, Agg::kMin, Agg::kMax, Agg::kLast}) {
    std::vector<BucketValue> buckets = Aggregate(points, edges, agg, 1);
    ASSERT_EQ(buckets.size(), 3u);
    EXPECT_EQ(buckets[1].start_ms, t + kQuarter);
    EXPECT_EQ(buckets[1].end_ms, t + 2 * kQuarter);
    EXPECT_EQ(buckets[1].count, 0u) << AggName(agg);
    EXPECT_EQ(buckets[1].expected, 1u) << AggName(agg);
    EXPECT_EQ(buckets[1].present, 0u) << AggName(agg);
    EXPECT_TRUE(std::isnan(buckets[1].values[0])) << AggName(agg);
    EXPECT_EQ(buckets[0].present, 1u);
    EXPECT_EQ(buckets[2].values[0], 0.5);
  }
}

TEST(AggregateAgg, EachStatisticUsesOnlyThePresentValues) {
  int64_t t = Utc("2025-06-01T00:00:00Z");
  const std::vector<int64_t> edges = {t, t + 24 * testing::kHour};
  // Field 0 in four samples (the latest value is 2, not the largest); field 1
  // only in the last sample, which lacks field 0; field 2 never.
  std::vector<Point> points = {At(t + kQuarter, 900, 3), At(t + 2 * kQuarter, 900, 1),
                               At(t + 3 * kQuarter, 900, 5), At(t + 4 * kQuarter, 900, 2),
                               At(t + 5 * kQuarter, 900, 7, 1)};
  const struct {
    Agg agg;
    double field0;
  } kCases[] = {
      {Agg::kSum, 11}, {Agg::kAvg, 2.75}, {Agg::kMin, 1}, {Agg::kMax, 5}, {Agg::kLast, 2}};
  for (const auto& c : kCases) {
    for (bool reversed : {false, true}) {
      std::vector<Point> input = points;
      if (reversed) std::reverse(input.begin(), input.end());
      std::vector<BucketValue> buckets = Aggregate(input, edges, c.agg, 0b111);
      ASSERT_EQ(buckets.size(), 1u);
      SCOPED_TRACE(::testing::Message() << AggName(c.agg) << (reversed ? " reversed" : ""));
      EXPECT_EQ(buckets[0].count, 5u);
      EXPECT_EQ(buckets[0].present, 0b011);
      EXPECT_DOUBLE_EQ(buckets[0].values[0], c.field0);
      EXPECT_EQ(buckets[0].values[1], 7);
      EXPECT_TRUE(std::isnan(buckets[0].values[2]));
    }
  }
}

TEST(AggregateAgg, FieldsOutsideTheMaskStayAbsent) {
  int64_t t = Utc("2025-06-01T00:00:00Z");
  Point p = At(t + kQuarter, 900, 1.5);
  p.values[3] = 230;
  p.present |= 1u << 3;
  std::vector<BucketValue> buckets =
      Aggregate(std::span(&p, 1), std::vector<int64_t>{t, t + kQuarter}, Agg::kAvg, 1u << 3);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].present, 1u << 3);
  EXPECT_EQ(buckets[0].values[3], 230);
  EXPECT_TRUE(std::isnan(buckets[0].values[0]));
  EXPECT_EQ(buckets[0].count, 1u);
}

TEST(AggregateAgg, FewerThanTwoEdgesGiveNoBuckets) {
  Point p = At(1000, 0, 1);
  EXPECT_TRUE(Aggregate(std::span(&p, 1), std::vector<int64_t>{}, Agg::kSum, 1).empty());
  EXPECT_TRUE(Aggregate(std::span(&p, 1), std::vector<int64_t>{0}, Agg::kSum, 1).empty());
}

TEST(AggregateSum, MillionSmallReadingsSumExactly) {
  // 1e6 quarter hours of 0.001 kWh: 1000 kWh. Plain summation is off by 1.7e-8.
  std::vector<Point> points;
  points.reserve(1'000'000);
  for (int64_t i = 1; i <= 1'000'000; ++i) points.push_back(At(i * kQuarter, 900, 0.001));
  const std::vector<int64_t> edges = {0, 1'000'001 * kQuarter};
  std::vector<BucketValue> sum = Aggregate(points, edges, Agg::kSum, 1);
  EXPECT_NEAR(sum[0].values[0], 1000.0, 1e-9);
  std::vector<BucketValue> avg = Aggregate(points, edges, Agg::kAvg, 1);
  EXPECT_NEAR(avg[0].values[0], 0.001, 1e-18);

  double plain = 0;
  for (const Point& p : points) plain += p.values[0];
  EXPECT_GT(std::fabs(plain - 1000.0), 1e-9) << "the test no longer shows the need";
}

TEST(AggregateSum, NeumaierKeepsSmallAddendsBesideLargeOnes) {
  // Kahan's variant loses the 1 here; Neumaier's keeps it.
  CompensatedSum sum;
  for (double x : {1.0, 1e100, 1.0, -1e100}) sum.Add(x);
  EXPECT_EQ(sum.Total(), 2.0);
}

TEST(AggregateExpected, DayOfQuarterHoursExpectsTheLocalDayLength) {
  const struct {
    const char* day_start;
    const char* day_end;
    uint32_t expected;
  } kCases[] = {
      {"2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z", 96},
      {"2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z", 92},   // spring forward
      {"2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z", 100},  // fall back
  };
  for (const auto& c : kCases) {
    int64_t start = Utc(c.day_start), end = Utc(c.day_end);
    std::vector<int64_t> edges = EdgesOrDie("Europe/Berlin", Interval::k1d, start, end);
    std::vector<BucketValue> buckets =
        Aggregate(QuarterHours(start, end, 0.25), edges, Agg::kSum, 1);
    ASSERT_EQ(buckets.size(), 1u) << c.day_start;
    EXPECT_EQ(buckets[0].expected, c.expected) << c.day_start;
    EXPECT_EQ(buckets[0].count, c.expected) << c.day_start;
    EXPECT_DOUBLE_EQ(buckets[0].values[0], c.expected * 0.25) << c.day_start;
  }
}

TEST(AggregateExpected, UsesTheMostCommonIntervalAndZeroForInstants) {
  int64_t start = Utc("2025-03-29T23:00:00Z"), end = Utc("2025-03-30T22:00:00Z");
  std::vector<int64_t> edges = EdgesOrDie("Europe/Berlin", Interval::k1d, start, end);
  std::vector<Point> points = QuarterHours(start, start + 3 * testing::kHour, 1);
  points.push_back(At(start + 4 * testing::kHour, 3600, 1));  // one odd hourly reading
  EXPECT_EQ(Aggregate(points, edges, Agg::kSum, 1)[0].expected, 92u);

  std::vector<Point> instants = {At(start + 1, 0, 20.5), At(start + 2, 0, 21)};
  EXPECT_EQ(Aggregate(instants, edges, Agg::kAvg, 1)[0].expected, 0u);
  EXPECT_EQ(Aggregate({}, edges, Agg::kAvg, 1)[0].expected, 0u);
}

TEST(AggregateAddInto, CombinesMetersIntoGroupTotals) {
  BucketValue a{.start_ms = 0, .end_ms = 86'400'000, .count = 96, .expected = 96};
  a.values[0] = 12.5;
  a.values[1] = 230;
  a.present = 0b011;
  BucketValue b{.start_ms = 0, .end_ms = 86'400'000, .count = 90, .expected = 96};
  b.values[0] = 7.5;
  b.values[2] = 50;
  b.present = 0b101;
  const struct {
    Agg agg;
    double field0;
  } kCases[] = {
      {Agg::kSum, 20}, {Agg::kAvg, 20}, {Agg::kLast, 20}, {Agg::kMin, 7.5}, {Agg::kMax, 12.5}};
  for (const auto& c : kCases) {
    BucketValue group{.start_ms = 0, .end_ms = 86'400'000};
    AddInto(group, a, c.agg);
    AddInto(group, b, c.agg);
    EXPECT_EQ(group.values[0], c.field0) << AggName(c.agg);
    EXPECT_EQ(group.values[1], 230) << "only in a";
    EXPECT_EQ(group.values[2], 50) << "only in b";
    EXPECT_TRUE(std::isnan(group.values[3]));
    EXPECT_EQ(group.present, 0b111);
    EXPECT_EQ(group.count, 186u);
    EXPECT_EQ(group.expected, 192u);
  }
}

}  // namespace
}  // namespace metrify::query
