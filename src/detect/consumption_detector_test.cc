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
  // Feeds interval i; returns the verdict of the interval held before (i - 1
  // unless a gap lies between).
  std::optional<Verdict> Feed(int64_t i, double kwh) {
    return detector_.Observe(kMonday + (i + 1) * kQuarter, kwh, 900, rules_, "SM1");
  }
  // Feeds interval i and then i + 1 (its right neighbour): i's verdict.
  std::optional<Verdict> Judge(int64_t i, double kwh, double next_kwh) {
    Feed(i, kwh);
    return Feed(i + 1, next_kwh);
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
  EXPECT_FALSE(Feed(0, 0.1).has_value());  // nothing held yet
  EXPECT_FALSE(Feed(1, 0.1).has_value());  // judges 0: still learning
  FeedUsual(2, 97);
  std::optional<Verdict> v = Feed(97, Usual(97));  // judges 96, a day in: the rolling window
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

TEST_F(ConsumptionDetectorTest, SpikeFiresOneIntervalLateWithValueAndBaseline) {
  FeedUsual(0, 21 * 96);
  const int64_t noon = 21 * 96 + 48;  // 12:00-12:15, usually 0.15
  FeedUsual(21 * 96, noon);
  // The spike itself: the verdict returned is the interval before (clear).
  std::optional<Verdict> v = Feed(noon, 10 * Usual(noon));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // Its right neighbour comes: now the spike is judged.
  v = Feed(noon + 1, Usual(noon + 1));
  ASSERT_TRUE(v && v->fired());
  EXPECT_EQ(v->finding->type, "consumption");
  EXPECT_EQ(v->finding->at_ms, kMonday + (noon + 1) * kQuarter);  // the spike's end
  EXPECT_NEAR(v->finding->value, 10 * Usual(noon), 1e-6);         // held as a float
  EXPECT_EQ(v->finding->severity, alerts::Severity::kCritical);
  EXPECT_EQ(v->finding->source_id, "SM1");
  EXPECT_NE(v->finding->message.find("times the usual"), std::string::npos);
  // The interval after it is usual again.
  v = Feed(noon + 2, Usual(noon + 2));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
}

TEST_F(ConsumptionDetectorTest, GapAfterAHeldIntervalJudgesItWithoutItsRightNeighbour) {
  FeedUsual(0, 21 * 96);
  const int64_t noon = 21 * 96 + 48;
  FeedUsual(21 * 96, noon);
  Feed(noon, 10 * Usual(noon));
  // The next reading is an hour later: the spike is judged without a right
  // neighbour, not lost.
  std::optional<Verdict> v = Feed(noon + 4, Usual(noon + 4));
  ASSERT_TRUE(v && v->fired());
  EXPECT_EQ(v->finding->at_ms, kMonday + (noon + 1) * kQuarter);
  // The reading after the gap has no left neighbour; it is judged next.
  v = Feed(noon + 5, Usual(noon + 5));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
}

TEST_F(ConsumptionDetectorTest, NearZeroNightsDoNotExplode) {
  // A meter that draws almost nothing at night: 0.001 kWh, then 0.02 (20 x).
  for (int64_t i = 0; i < 21 * 96; ++i) Feed(i, (i % 96) < 24 ? 0.001 : Usual(i));
  std::optional<Verdict> v = Judge(21 * 96 + 8, 0.02, 0.001);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // A real jump at night does fire.
  v = Judge(21 * 96 + 10, 1.5, 0.001);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->fired());
}

TEST_F(ConsumptionDetectorTest, NightSpikeFiresWhenFarAboveTheMetersScale) {
  // The meter's level is about 0.19 kWh: a 0.05 kWh night interval 5 x up is
  // only 0.2 kWh above the usual, about one level; 12 x up is about 0.55 kWh
  // above it.
  FeedUsual(0, 21 * 96);
  std::optional<Verdict> v = Judge(21 * 96 + 8, 5 * 0.05, Usual(21 * 96 + 9));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // Another night hour (the 0.25 kWh raised the high of 02:00-03:00).
  FeedUsual(21 * 96 + 10, 21 * 96 + 16);
  v = Judge(21 * 96 + 16, 12 * Usual(21 * 96 + 16), Usual(21 * 96 + 17));
  ASSERT_TRUE(v && v->fired()) << "12 x a night interval";
}

// A PV household: its load, less the sun's yield from 8 to 16 h (none on
// cloudy days).
double PvHousehold(int64_t i, bool cloudy) {
  const int hour = static_cast<int>((i % 96) / 4);
  return hour >= 8 && hour < 16 && !cloudy ? 0.0 : Usual(i);
}

TEST_F(ConsumptionDetectorTest, CloudyDayPvImportOfSeveralIntervalsDoesNotFire) {
  // Three sunny weeks: the noon imports and the meter's mean shrink to ~0.
  for (int64_t i = 0; i < 21 * 96; ++i) Feed(i, PvHousehold(i, false));
  // A cloudy hour at noon: the household's load, 0.15-0.4 kWh for four
  // intervals, far above the usual ~0 but no spike.
  const int64_t noon = 21 * 96 + 48;
  FeedUsual(21 * 96, noon);
  for (int64_t i = noon; i < noon + 6; ++i) {
    const double kwh = i < noon + 4 ? 2.5 * Usual(i) : 0.0;
    std::optional<Verdict> v = Feed(i, kwh);
    ASSERT_TRUE(v.has_value());
    EXPECT_FALSE(v->fired()) << i << ": " << v->finding->message;
  }
  // A spike of an exporting interval (10 x the mean quarter hour) fires.
  FeedUsual(noon + 6, noon + 8);
  Feed(noon + 8, 0.0);
  std::optional<Verdict> v = Judge(noon + 9, 2.0, 0.0);
  ASSERT_TRUE(v && v->fired());
}

TEST_F(ConsumptionDetectorTest, HourThatSwingsWithTheWeatherIsJudgedByItsHigh) {
  // A PV household's noon: mostly 0, on one day a week (a cloudy one) its
  // full load of 0.3 kWh. The median is 0; the high of the hour keeps a
  // single 0.4 calm.
  auto noon_usual = [](int64_t i) {
    const int hour = static_cast<int>((i % 96) / 4);
    if (hour >= 10 && hour < 14) return (i / 96) % 7 == 2 ? 0.3 : 0.0;
    return Usual(i);
  };
  for (int64_t i = 0; i < 21 * 96; ++i) Feed(i, noon_usual(i));
  const int64_t noon = 21 * 96 + 48;
  std::optional<Verdict> v = Judge(noon, 0.4, 0.0);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired()) << v->finding->message;
  v = Judge(noon + 2, 3.0, 0.0);  // far above any cloudy noon
  ASSERT_TRUE(v && v->fired());
}

TEST_F(ConsumptionDetectorTest, RejectsBadInputAndOldTimes) {
  FeedUsual(0, 10);
  EXPECT_FALSE(Feed(5, 0.1).has_value());  // older than the newest
  EXPECT_FALSE(Feed(9, 0.1).has_value());  // the held one again
  EXPECT_FALSE(Feed(11, -1).has_value());
  EXPECT_FALSE(Feed(12, NAN).has_value());
  rules_.enabled = false;
  EXPECT_FALSE(Feed(13, 0.1).has_value());
}

TEST_F(ConsumptionDetectorTest, RollingWindowJudgesBeforeTheBaselineIsReady) {
  FeedUsual(0, 3 * 96 + 40);  // three days: not yet two weeks
  std::optional<Verdict> v = Judge(3 * 96 + 40, 8.0, Usual(3 * 96 + 41));
  ASSERT_TRUE(v && v->fired());
}

// Before the baseline knows the hours, a kettle at 03:00 (14 times the
// night, about the evening peak of the days seen) is ordinary.
TEST_F(ConsumptionDetectorTest, RollingWindowDoesNotFireBelowTheMetersHighSoFar) {
  FeedUsual(0, 3 * 96 + 12);  // three days and three hours
  std::optional<Verdict> v = Judge(3 * 96 + 12, 0.7, Usual(3 * 96 + 13));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->fired());
  // Twice the highest quarter hour so far is a spike.
  v = Judge(3 * 96 + 20, 1.4, Usual(3 * 96 + 21));
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->fired());
}

}  // namespace
}  // namespace metrify::detect
