#include "query/interval.h"

#include <gtest/gtest.h>

namespace metrify::query {
namespace {

TEST(BucketInterval, ParsesEveryNameAndNamesItBack) {
  const struct {
    const char* text;
    Interval interval;
  } kCases[] = {{"raw", Interval::kRaw},
                {"15m", Interval::k15m},
                {"1h", Interval::k1h},
                {"1d", Interval::k1d},
                {"1M", Interval::k1M}};
  for (const auto& c : kCases) {
    auto parsed = ParseInterval(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(*parsed, c.interval) << c.text;
    EXPECT_EQ(IntervalName(c.interval), c.text);
  }
}

TEST(BucketInterval, RejectsEverythingElseNamingValueAndChoices) {
  for (const char* text : {"1m", "15M", "1H", "1D", "", " 1h", "1h ", "day", "5m", "1w", "RAW"}) {
    auto parsed = ParseInterval(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message(), std::string("unknown interval \"") + text +
                                            "\"; expected one of raw, 15m, 1h, 1d, 1M");
  }
}

TEST(BucketAgg, ParsesEveryNameAndNamesItBack) {
  const struct {
    const char* text;
    Agg agg;
  } kCases[] = {{"sum", Agg::kSum},
                {"avg", Agg::kAvg},
                {"min", Agg::kMin},
                {"max", Agg::kMax},
                {"last", Agg::kLast}};
  for (const auto& c : kCases) {
    auto parsed = ParseAgg(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(*parsed, c.agg) << c.text;
    EXPECT_EQ(AggName(c.agg), c.text);
  }
}

TEST(BucketAgg, RejectsEverythingElseNamingValueAndChoices) {
  for (const char* text : {"SUM", "mean", "average", "", "first", "count"}) {
    auto parsed = ParseAgg(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().message(), std::string("unknown aggregation \"") + text +
                                            "\"; expected one of sum, avg, min, max, last");
  }
}

}  // namespace
}  // namespace metrify::query
