#include "vee/quality_report.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "common/time.h"

namespace metrify::vee {
namespace {

constexpr int64_t kQ = 900'000;
constexpr int64_t kFarFuture = INT64_MAX / 2;
constexpr uint16_t kRawEnergy = 1u << 0;
constexpr uint16_t kRawVoltage = 1u << 3;

int64_t Day(const char* date) { return *ParseCivilDate(date); }

ValidatedPoint Measured(int64_t end_ms, double kwh) {
  ValidatedPoint p;
  p.row.end_ms = end_ms;
  p.row.status = ValueStatus::kMeasured;
  p.row.energy_kwh = kwh;
  p.row.quality = 1;
  p.raw_present = kRawEnergy | kRawVoltage;
  return p;
}

// Berlin meter points; the fixture writes the validated view as the tests
// craft it, one point per grid end.
class QualityReportTest : public ::testing::Test {
 protected:
  QualityReportTest() : clock_(*LocalClock::For("Europe/Berlin")) {}

  // Every interval of local days [first, end), measured at `kwh` each.
  void MeasuredDays(int64_t first, int64_t end, double kwh) {
    for (int64_t d = first; d < end; ++d) {
      for (int64_t t = clock_.DayStartUtc(d) + kQ; t <= clock_.DayStartUtc(d + 1); t += kQ) {
        points_.push_back(Measured(t, kwh));
      }
    }
  }
  // The point of local day `day`'s interval `i` (0-based).
  ValidatedPoint& At(int64_t day, int i) {
    const int64_t end = clock_.DayStartUtc(day) + (i + 1) * kQ;
    for (ValidatedPoint& p : points_) {
      if (p.row.end_ms == end) return p;
    }
    ADD_FAILURE() << "no point for interval " << i;
    return points_.front();
  }
  std::vector<DayQuality> Reports(int64_t first, int64_t end, int64_t now_ms = kFarFuture) {
    DayReportOptions options;
    options.now_ms = now_ms;
    options.rules = &rules_;
    return BuildDayReports(points_, clock_, first, end, options);
  }
  DayQuality One(int64_t day, int64_t now_ms = kFarFuture) {
    std::vector<DayQuality> days = Reports(day, day + 1, now_ms);
    EXPECT_EQ(days.size(), 1u);
    return days.empty() ? DayQuality{} : days.front();
  }

  LocalClock clock_;
  RuleSet rules_;
  std::vector<ValidatedPoint> points_;
};

TEST_F(QualityReportTest, ANormalDayIsCompleteValidAndExcellent) {
  const int64_t d = Day("2025-06-15");
  MeasuredDays(d, d + 1, 0.25);
  const DayQuality day = One(d);
  EXPECT_EQ(day.day, d);
  EXPECT_EQ(FormatRfc3339(day.start_ms), "2025-06-14T22:00:00Z");
  EXPECT_EQ(FormatRfc3339(day.end_ms), "2025-06-15T22:00:00Z");
  EXPECT_EQ(day.intervals, 96);
  EXPECT_EQ(day.tally.expected, 96);
  EXPECT_EQ(day.tally.Count(ValueStatus::kMeasured), 96);
  EXPECT_EQ(day.tally.Share(ValueStatus::kMeasured), 1);
  EXPECT_EQ(day.tally.Share(ValueStatus::kMissing), 0);
  EXPECT_EQ(day.tally.Completeness(), 1);
  EXPECT_EQ(day.tally.Validity(), 1);
  EXPECT_EQ(day.tally.Timeliness(), 1);
  EXPECT_EQ(day.tally.Quality(), 1);
  EXPECT_DOUBLE_EQ(day.tally.energy_kwh, 24);
  EXPECT_TRUE(day.Complete());
  EXPECT_TRUE(day.Whole());
  EXPECT_TRUE(Below(day.tally, {}).empty());
}

TEST_F(QualityReportTest, DstDaysAreCompleteWith92And100QuarterHours) {
  for (const auto& [date, quarters] : {std::pair{"2025-03-30", 92}, std::pair{"2025-10-26", 100}}) {
    SCOPED_TRACE(date);
    points_.clear();
    const int64_t d = Day(date);
    MeasuredDays(d, d + 1, 0.25);
    ASSERT_EQ(points_.size(), static_cast<size_t>(quarters));
    const DayQuality day = One(d);
    EXPECT_EQ(day.intervals, quarters);
    EXPECT_EQ(day.tally.expected, quarters);
    EXPECT_EQ(day.tally.Completeness(), 1);
    EXPECT_EQ(day.tally.Share(ValueStatus::kMissing), 0);
    EXPECT_TRUE(day.Complete());
    EXPECT_DOUBLE_EQ(day.tally.energy_kwh, 0.25 * quarters);
  }
}

TEST_F(QualityReportTest, GapsEstimatesInvalidAndEditsCountByStatus) {
  const int64_t d = Day("2025-06-15");
  MeasuredDays(d, d + 1, 0.25);
  // 4 intervals nothing came for, estimated linearly.
  for (int i = 10; i < 14; ++i) {
    ValidatedPoint& p = At(d, i);
    p.raw_present = 0;
    p.row.status = ValueStatus::kEstimated;
    p.row.rule = RuleId::kLinear;
    p.row.fired = 1u << static_cast<int>(RuleId::kGap);
    p.row.quality = 0.36;
  }
  // A spike refused and estimated in its place.
  ValidatedPoint& spike = At(d, 20);
  spike.row.status = ValueStatus::kEstimated;
  spike.row.rule = RuleId::kLinear;
  spike.row.fired = 1u << static_cast<int>(RuleId::kSpike);
  spike.row.quality = 0.36;
  // Two negative readings nothing could replace.
  for (int i : {30, 31}) {
    ValidatedPoint& p = At(d, i);
    p.row.status = ValueStatus::kInvalid;
    p.row.rule = RuleId::kNegativeEnergy;
    p.row.fired = 1u << static_cast<int>(RuleId::kNegativeEnergy);
    p.row.energy_kwh = NAN;
    p.row.quality = 0;
  }
  // Two MISSING points and one interval the view shows nothing for.
  for (int i : {40, 41}) {
    ValidatedPoint& p = At(d, i);
    p.raw_present = 0;
    p.row.status = ValueStatus::kMissing;
    p.row.rule = RuleId::kGap;
    p.row.fired = 1u << static_cast<int>(RuleId::kGap);
    p.row.energy_kwh = NAN;
    p.row.quality = 0;
  }
  points_.erase(points_.begin() + 50);
  // An edit, and a reading 26 hours late (timeliness 1 - 22 h / 44 h).
  At(d, 60).row.status = ValueStatus::kEdited;
  At(d, 60).row.energy_kwh = 1;
  At(d, 60).row.quality = 0.97;
  At(d, 70).row.late_by_s = 26 * 3600;

  const DayQuality day = One(d);
  const QualityTally& t = day.tally;
  EXPECT_EQ(t.expected, 96);
  EXPECT_EQ(t.Count(ValueStatus::kMeasured), 85);
  EXPECT_EQ(t.Count(ValueStatus::kEstimated), 5);
  EXPECT_EQ(t.Count(ValueStatus::kEdited), 1);
  EXPECT_EQ(t.Count(ValueStatus::kInvalid), 2);
  EXPECT_EQ(t.Count(ValueStatus::kMissing), 3) << "two MISSING points and one unseen";
  EXPECT_DOUBLE_EQ(t.Completeness(), 86.0 / 96) << "measured and edited";
  EXPECT_EQ(t.came, 89) << "85 measured, 1 edited, the spike, 2 invalid";
  EXPECT_EQ(t.refused, 3);
  EXPECT_DOUBLE_EQ(t.Validity(), 1 - 3.0 / 89);
  EXPECT_EQ(t.late, 1);
  EXPECT_DOUBLE_EQ(t.Timeliness(), (84 + 0.5) / 85);
  EXPECT_DOUBLE_EQ(t.Quality(), (85 + 5 * 0.36 + 0.97) / 96);
  EXPECT_DOUBLE_EQ(t.energy_kwh, 0.25 * 90 + 1) << "measured and estimated at 0.25, the edit 1";
  EXPECT_EQ(t.rules[static_cast<int>(RuleId::kGap)], 4 + 2 + 1);
  EXPECT_EQ(t.rules[static_cast<int>(RuleId::kSpike)], 1);
  EXPECT_EQ(t.rules[static_cast<int>(RuleId::kNegativeEnergy)], 2);
  EXPECT_EQ(t.rules[static_cast<int>(RuleId::kLinear)], 5);
  EXPECT_FALSE(day.Complete());
  EXPECT_FALSE(day.Whole());
  EXPECT_EQ(Below(t, {}), (std::vector<std::string_view>{"completeness", "validity"}));
  QualityThresholds strict;
  strict.min_quality = 0.99;
  EXPECT_EQ(Below(t, strict).back(), "quality");
}

TEST_F(QualityReportTest, OnlyDueIntervalsAreExpected) {
  const int64_t d = Day("2025-06-15");
  // The meter's first reading ends at 12:00 local; now is 18:00 local.
  MeasuredDays(d, d + 1, 0.25);
  points_.erase(points_.begin(), points_.begin() + 47);
  const int64_t now = clock_.DayStartUtc(d) + 72 * kQ;
  const DayQuality day = One(d, now);
  EXPECT_EQ(day.intervals, 96);
  EXPECT_EQ(day.tally.expected, 72 - 47);
  EXPECT_EQ(day.tally.Completeness(), 1);
  EXPECT_FALSE(day.Complete()) << "a day not whole is not complete";
  EXPECT_EQ(day.daily.reason, NotJudgedReason::kDayIncomplete);
}

TEST_F(QualityReportTest, AMeterWithoutDataHasNothingDue) {
  const DayQuality day = One(Day("2025-06-15"));
  EXPECT_EQ(day.tally.expected, 0);
  EXPECT_TRUE(std::isnan(day.tally.Completeness()));
  EXPECT_TRUE(Below(day.tally, {}).empty()) << "nothing to judge misses nothing";
}

// Fourteen days of 24 kWh before the day judged.
class DailyRuleTest : public QualityReportTest {
 protected:
  void SetUp() override { MeasuredDays(day_ - 14, day_, 0.25); }
  // The day judged measured at `day_kwh` in all (replacing what it had).
  DayQuality Judge(double day_kwh) {
    std::erase_if(points_,
                  [&](const ValidatedPoint& p) { return p.row.end_ms > clock_.DayStartUtc(day_); });
    MeasuredDays(day_, day_ + 1, day_kwh / 96);
    return One(day_);
  }
  const int64_t day_ = Day("2025-06-15");
};

TEST_F(DailyRuleTest, AUsualDayIsNormal) {
  const DayQuality day = Judge(48);  // twice the usual day: below the factor 3
  EXPECT_EQ(day.daily.result, DailyResult::kNormal);
  EXPECT_EQ(day.daily.history_days, 14);
  EXPECT_DOUBLE_EQ(day.daily.usual_kwh, 24);
  EXPECT_DOUBLE_EQ(day.daily.ratio, 2);
  EXPECT_EQ(day.tally.rules[static_cast<int>(RuleId::kDailyHigh)], 0);
  EXPECT_EQ(Judge(6).daily.result, DailyResult::kNormal) << "a quarter of the usual day";
}

TEST_F(DailyRuleTest, DailyHighFiresAboveTheFactor) {
  const DayQuality day = Judge(96);
  EXPECT_EQ(day.daily.result, DailyResult::kHigh);
  EXPECT_DOUBLE_EQ(day.daily.ratio, 4);
  EXPECT_EQ(day.tally.rules[static_cast<int>(RuleId::kDailyHigh)], 1);
  EXPECT_EQ(day.tally.rules[static_cast<int>(RuleId::kDailyLow)], 0);
}

TEST_F(DailyRuleTest, DailyLowFiresBelowTheFactor) {
  const DayQuality day = Judge(3.84);
  EXPECT_EQ(day.daily.result, DailyResult::kLow);
  EXPECT_EQ(day.tally.rules[static_cast<int>(RuleId::kDailyLow)], 1);
}

TEST_F(DailyRuleTest, FactorsComeFromTheMetersRules) {
  rules_.daily_high_factor = 1.5;
  EXPECT_EQ(Judge(48).daily.result, DailyResult::kHigh);
}

TEST_F(DailyRuleTest, ActionOffDisablesTheRule) {
  rules_.daily_high = RuleAction::kOff;
  EXPECT_EQ(Judge(96).daily.result, DailyResult::kNormal);
  rules_.daily_low = RuleAction::kOff;
  const DayQuality day = One(day_);
  EXPECT_EQ(day.daily.result, DailyResult::kNotJudged);
  EXPECT_EQ(day.daily.reason, NotJudgedReason::kRulesOff);
}

TEST(QualityReportHistory, TwiceTheMinimumHistoryAndNoneWhenTheRulesAreOff) {
  RuleSet rules;
  EXPECT_EQ(HistoryDays(rules), 14);
  rules.daily_min_history_days = 3;
  EXPECT_EQ(HistoryDays(rules), 6);
  rules.daily_high = RuleAction::kOff;
  EXPECT_EQ(HistoryDays(rules), 6) << "daily_low still judges";
  rules.daily_low = RuleAction::kOff;
  EXPECT_EQ(HistoryDays(rules), 0);
}

TEST_F(DailyRuleTest, TooLittleHistoryIsNotJudged) {
  // Eight of the fourteen days have an estimate: six complete ones remain.
  for (int64_t d = day_ - 14; d < day_ - 6; ++d) At(d, 5).row.status = ValueStatus::kEstimated;
  const DayQuality day = Judge(96);
  EXPECT_EQ(day.daily.result, DailyResult::kNotJudged);
  EXPECT_EQ(day.daily.reason, NotJudgedReason::kTooLittleHistory);
  EXPECT_EQ(day.daily.history_days, 6);
  EXPECT_EQ(day.tally.rules[static_cast<int>(RuleId::kDailyHigh)], 0);
  rules_.daily_min_history_days = 3;  // 6 of the last 6 days complete: enough
  EXPECT_EQ(One(day_).daily.result, DailyResult::kHigh);
}

TEST_F(DailyRuleTest, ADayWithoutAWholeEnergyIsNotJudged) {
  MeasuredDays(day_, day_ + 1, 1);
  At(day_, 3).row.status = ValueStatus::kMissing;
  At(day_, 3).row.energy_kwh = NAN;
  const DayQuality day = One(day_);
  EXPECT_EQ(day.daily.result, DailyResult::kNotJudged);
  EXPECT_EQ(day.daily.reason, NotJudgedReason::kDayIncomplete);
}

TEST_F(DailyRuleTest, EstimatesMakeADayWholeButNotComplete) {
  MeasuredDays(day_, day_ + 1, 1);
  At(day_, 3).row.status = ValueStatus::kEstimated;
  const DayQuality day = One(day_);
  EXPECT_TRUE(day.Whole());
  EXPECT_FALSE(day.Complete());
  EXPECT_EQ(day.daily.result, DailyResult::kHigh);
}

TEST_F(DailyRuleTest, TheUsualDayIsTheMedianOfTheHistory) {
  // Two days of 240 kWh do not move the median of fourteen.
  for (int64_t d : {day_ - 3, day_ - 2}) {
    for (int i = 0; i < 96; ++i) At(d, i).row.energy_kwh = 2.5;
  }
  const std::vector<DayQuality> days = Reports(day_ - 3, day_ + 1);
  ASSERT_EQ(days.size(), 4u);
  EXPECT_EQ(days[0].daily.result, DailyResult::kHigh);
  EXPECT_DOUBLE_EQ(days[3].daily.usual_kwh, 24);
  EXPECT_EQ(days[3].daily.reason, NotJudgedReason::kDayIncomplete) << "no points that day";
}

TEST_F(QualityReportTest, TotalsAddDaysAndMeters) {
  const int64_t d = Day("2025-06-15");
  MeasuredDays(d, d + 2, 0.25);
  At(d + 1, 0).row.status = ValueStatus::kMissing;
  At(d + 1, 0).row.energy_kwh = NAN;
  At(d + 1, 0).row.quality = 0;
  QualityThresholds min;
  min.min_completeness = 0.999;
  const std::vector<DayQuality> days = Reports(d, d + 2);
  const RangeQuality range = Summarize(days, min);
  EXPECT_EQ(range.days, 2);
  EXPECT_EQ(range.days_complete, 1);
  EXPECT_EQ(range.days_below, 1);
  EXPECT_EQ(range.tally.expected, 192);
  EXPECT_DOUBLE_EQ(range.tally.Completeness(), 191.0 / 192);

  GroupQuality group;
  group.Add(range, min);
  group.Add(Summarize(Reports(d - 100, d - 99), min), min);  // before the meter's data
  EXPECT_EQ(group.meters, 2);
  EXPECT_EQ(group.meters_below, 1);
  EXPECT_EQ(group.meters_without_data, 1);
  EXPECT_EQ(group.range.days, 3);
  EXPECT_EQ(group.range.tally.expected, 192);
}

TEST(QualityReportNames, NamesOfResultsAndReasons) {
  EXPECT_EQ(DailyResultName(DailyResult::kHigh), "high");
  EXPECT_EQ(DailyResultName(DailyResult::kNotJudged), "not_judged");
  EXPECT_EQ(NotJudgedReasonName(NotJudgedReason::kTooLittleHistory), "too_little_history");
  EXPECT_EQ(NotJudgedReasonName(NotJudgedReason::kNone), "");
}

}  // namespace
}  // namespace metrify::vee
