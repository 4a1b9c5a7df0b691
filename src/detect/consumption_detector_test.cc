#include "detect/consumption_detector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace metrify::detect {
namespace {

constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z, a Monday

// A household's quarter hour: 0.05 kWh at night, 0.6 in the evening peak
// (18-21 h), 0.15 otherwise, with a deterministic ±20 % wobble.
double Usual(int64_t i) {
  const int hour = static_cast<int>((i % 96) / 4);
  const double base = hour < 6 ? 0.05 : (hour >= 18 && hour < 21 ? 0.6 : 0.15);
  return base * (1 + 0.2 * std::sin(i * 1.7));
}

class ConsumptionDetectorTest : public ::testing::Test {
 protected:
  std::optional<Verdict> Feed(int64_t i, double kwh) {
    return detector_.Observe(kMonday + (i + 1) * kQuarter, kwh, 900, rules_, "SM1");
  }
  // Feeds intervals [from, to) of the usual pattern; counts findings.
  int FeedUsual(int64_t from, int64_t to) {
    int fired = 0;
    for (int64_t i = from; i < to; ++i) {
      std::optional<Verdict> v = Feed(i, Usual(i));
      fired += v && v->fired();
    }
    return fired;
  }
  ConsumptionDetector detector_;
  ConsumptionRules rules_ = LoadDetectRules()->consumption;
};

TEST_F(ConsumptionDetectorTest, FitsTheMemoryBudget) {
  EXPECT_LE(sizeof(ConsumptionDetector), 2048u);
}

TEST_F(ConsumptionDetectorTest, HourOfWeekStartsMondayAndTakesTheOffset) {
  EXPECT_EQ(ConsumptionDetector::HourOfWeek(kMonday + kQuarter, 900, 0), 0);
  EXPECT_EQ(ConsumptionDetector::HourOfWeek(kMonday, 900, 0), 167);  // Sunday 23:45-24:00
  EXPECT_EQ(ConsumptionDetector::HourOfWeek(kMonday + kQuarter, 900, 3600), 1);
  EXPECT_EQ(ConsumptionDetector::HourOfWeek(kMonday + 25 * 4 * kQuarter, 900, 0), 24);
}

TEST_F(ConsumptionDetectorTest, LearnsBeforeJudging) {
  EXPECT_FALSE(Feed(0, 0.1).has_value());
  EXPECT_FALSE(Feed(1, 0.1).has_value());
  FeedUsual(2, 96);
  std::optional<Verdict> v = Feed(96, Usual(96));  // a day: the rolling window judges
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, "consumption_high");
}

TEST_F(ConsumptionDetectorTest, EveningPeakIsUsualOnceTheBaselineKnowsIt) {
  EXPECT_EQ(FeedUsual(0, 21 * 96), 0);  // three weeks, peaks included
  for (int64_t i = 21 * 96; i < 28 * 96; ++i) {
    std::optional<Verdict> v = Feed(i, Usual(i));
    ASSERT_TRUE(v.has_value());
    EXPECT_FALSE(v->fired()) << i << ": " << v->finding->message;
  }
}

TEST_F(ConsumptionDetectorTest, SpikeFiresCriticalWithValueAndBaseline) {
  FeedUsual(0, 21 * 96);
  const int64_t noon = 21 * 96 + 48;  // 12:00-12:15, usually 0.15
  std::optional<Verdict> v = Feed(noon, 10 * Usual(noon));
  ASSERT_TRUE(v && v->fired());
  EXPECT_EQ(v->finding->type, "consumption");
  EXPECT_EQ(v->finding->severity, alerts::Severity::kCritical);
  EXPECT_EQ(v->finding->source_id, "SM1");
  EXPECT_NE(v->finding->message.find("times the usual"), std::string::npos);
  // The next interval is usual again.
  v = Feed(noon + 1, Usual(noon + 1));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
}

TEST_F(ConsumptionDetectorTest, NearZeroNightsDoNotExplode) {
  // A meter that draws almost nothing at night: 0.001 kWh, then 0.02 (20 x).
  for (int64_t i = 0; i < 21 * 96; ++i) Feed(i, (i % 96) < 24 ? 0.001 : Usual(i));
  std::optional<Verdict> v = Feed(21 * 96 + 8, 0.02);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // A real jump at night does fire.
  v = Feed(21 * 96 + 9, 1.5);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->fired());
}

TEST_F(ConsumptionDetectorTest, NightSpikeFiresWhenFarAboveTheMetersScale) {
  // The meter's mean quarter hour is about 0.18 kWh: a 0.05 kWh night
  // interval 5 x up is only 0.2 kWh above the usual, less than 2 means; 12 x
  // up is about 0.55 kWh above it.
  FeedUsual(0, 21 * 96);
  std::optional<Verdict> v = Feed(21 * 96 + 8, 5 * 0.05);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // Another night hour (the 0.25 kWh raised the high of 02:00-03:00).
  v = Feed(21 * 96 + 16, 12 * Usual(21 * 96 + 16));
  ASSERT_TRUE(v && v->fired()) << "12 x a night interval";
}

TEST_F(ConsumptionDetectorTest, HourThatSwingsWithTheWeatherIsJudgedByItsHigh) {
  // A PV household's noon: mostly 0, on one day a week (a cloudy one) its
  // full load of 0.3 kWh. The median is 0; the high of the hour keeps 0.4 calm.
  auto noon_usual = [](int64_t i) {
    const int hour = static_cast<int>((i % 96) / 4);
    if (hour >= 10 && hour < 14) return (i / 96) % 7 == 2 ? 0.3 : 0.0;
    return Usual(i);
  };
  for (int64_t i = 0; i < 21 * 96; ++i) Feed(i, noon_usual(i));
  const int64_t noon = 21 * 96 + 48;
  std::optional<Verdict> v = Feed(noon, 0.4);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired()) << v->finding->message;
  v = Feed(noon + 1, 2.0);  // far above any cloudy noon
  ASSERT_TRUE(v && v->fired());
}

TEST_F(ConsumptionDetectorTest, RejectsBadInputAndOldTimes) {
  FeedUsual(0, 10);
  EXPECT_FALSE(Feed(5, 0.1).has_value());  // older than the newest
  EXPECT_FALSE(Feed(11, -1).has_value());
  EXPECT_FALSE(Feed(12, NAN).has_value());
  rules_.enabled = false;
  EXPECT_FALSE(Feed(13, 0.1).has_value());
}

TEST_F(ConsumptionDetectorTest, RollingWindowJudgesBeforeTheBaselineIsReady) {
  FeedUsual(0, 3 * 96);  // three days: not yet two weeks
  std::optional<Verdict> v = Feed(3 * 96 + 40, 8.0);
  ASSERT_TRUE(v && v->fired());
}

}  // namespace
}  // namespace metrify::detect
