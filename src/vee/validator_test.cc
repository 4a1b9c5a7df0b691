#include "vee/validator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "vee/quality.h"

namespace metrify::vee {
namespace {

constexpr int64_t kQ = 900'000;
constexpr int64_t kT0 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr int kEnergy = 0, kRegister = 2, kVoltage = 3;

// Readings ending at kT0 + q, kT0 + 2q, ... with these energies; the
// register starts at `register_start` and rises by each energy (NaN energy:
// no reading at all for that interval).
std::vector<RawReading> Series(const std::vector<double>& kwh, double register_start = 1000) {
  std::vector<RawReading> out;
  double reg = register_start;
  for (size_t i = 0; i < kwh.size(); ++i) {
    if (std::isnan(kwh[i])) continue;
    reg += kwh[i];
    RawReading r;
    r.timestamp_ms = kT0 + static_cast<int64_t>(i + 1) * kQ;
    r.interval_s = 900;
    r.present = 0;
    r.values[kEnergy] = kwh[i];
    r.values[kRegister] = std::round(reg * 1000) / 1000;
    r.values[kVoltage] = 230;
    r.present = (1u << kEnergy) | (1u << kRegister) | (1u << kVoltage);
    out.push_back(r);
  }
  return out;
}

std::vector<double> Flat(int n, double kwh) { return std::vector<double>(n, kwh); }

class ValidatorTest : public ::testing::Test {
 protected:
  ValidatorTest() {
    meter_.id = "M1";
    meter_.register_digits = 8;
    meter_.register_decimals = 3;
    rules_.ranges[1][kVoltage] = Range{0, 300};
    rules_.ranges[1][kEnergy] = Range{0, std::nullopt};
  }

  WindowResult Run(const std::vector<RawReading>& raw, Anchor anchor = {},
                   int64_t now = kT0 + 2 * 86'400'000, int64_t settled = INT64_MAX) {
    WindowInput in;
    in.settled_ms = settled;
    in.meter = &meter_;
    in.rules = &rules_;
    in.typical = &typical_;
    in.anchor = anchor;
    in.raw = raw;
    in.edits = &edits_;
    in.now_ms = now;
    in.history = history_;
    Result<WindowResult> r = ValidateWindow(in);
    EXPECT_TRUE(r.has_value()) << r.status().ToString();
    return r.has_value() ? *r : WindowResult{};
  }

  // The row ending at interval i (1-based, as Series numbers them).
  static const ValidatedInterval& Row(const WindowResult& w, int i) {
    for (const ValidatedInterval& row : w.rows) {
      if (row.end_ms == kT0 + i * kQ) return row;
    }
    static ValidatedInterval none;
    ADD_FAILURE() << "no row for interval " << i;
    return none;
  }
  static bool Fired(const ValidatedInterval& row, RuleId rule) {
    return row.fired & (1u << static_cast<int>(rule));
  }

  MeterInfo meter_;
  RuleSet rules_;
  MeterTypical typical_;
  std::map<int64_t, Edit> edits_;
  HistoryFn history_;
};

TEST_F(ValidatorTest, CleanSeriesIsMeasuredWithFullQuality) {
  WindowResult w = Run(Series(Flat(8, 0.25)));
  ASSERT_EQ(w.rows.size(), 8u);
  for (const ValidatedInterval& row : w.rows) {
    EXPECT_EQ(row.status, ValueStatus::kMeasured);
    EXPECT_EQ(row.rule, RuleId::kNone);
    EXPECT_EQ(row.fired, 0u);
    EXPECT_DOUBLE_EQ(row.energy_kwh, 0.25);
    EXPECT_NEAR(row.quality, 1.0, 1e-12);
  }
  // The newest waits for its next neighbour; the one before is final.
  EXPECT_EQ(w.final_rows, 7u);
  EXPECT_EQ(w.anchor.end_ms, kT0 + 7 * kQ);
  EXPECT_DOUBLE_EQ(*w.anchor.energy_kwh, 0.25);
}

// A Berlin day of 23 or 25 hours is complete with its 92 or 100 quarter
// hours: the grid is UTC, so the clock change is neither a gap nor a
// duplicate, and nothing fires.
TEST_F(ValidatorTest, DstDaysOf92And100QuarterHoursAreComplete) {
  Result<LocalClock> clock = LocalClock::For("Europe/Berlin");
  ASSERT_TRUE(clock.has_value());
  struct Day {
    int64_t any_utc_ms;  // an instant of the local day
    size_t quarter_hours;
  };
  for (const Day& day : {Day{1743328800000, 92},      // 2025-03-30 (spring)
                         Day{1761472800000, 100}}) {  // 2025-10-26 (autumn)
    const int64_t local_day = clock->DayOfIntervalEnding(day.any_utc_ms);
    const int64_t start = clock->DayStartUtc(local_day);
    const int64_t end = clock->DayStartUtc(local_day + 1);
    ASSERT_EQ(static_cast<size_t>((end - start) / kQ), day.quarter_hours);
    std::vector<RawReading> raw;
    double reg = 1000;
    for (int64_t t = start + kQ; t <= end; t += kQ) {
      RawReading r;
      r.timestamp_ms = t;
      r.interval_s = 900;
      const double kwh = 0.2 + 0.01 * static_cast<double>((t / kQ) % 7);  // not a flat line
      reg += kwh;
      r.values[kEnergy] = kwh;
      r.values[kRegister] = reg;
      r.present = (1u << kEnergy) | (1u << kRegister);
      raw.push_back(r);
    }
    WindowResult w = Run(raw, {}, end + 86'400'000);
    ASSERT_EQ(w.rows.size(), day.quarter_hours);
    for (const ValidatedInterval& row : w.rows) {
      EXPECT_EQ(row.status, ValueStatus::kMeasured) << row.end_ms;
      EXPECT_EQ(row.fired, 0u) << row.end_ms;
    }
  }
}

TEST_F(ValidatorTest, VoltageOutOfRangeIsLeftOutButTheEnergyStands) {
  std::vector<RawReading> raw = Series(Flat(4, 0.25));
  raw[1].values[kVoltage] = 412;
  WindowResult w = Run(raw);
  const ValidatedInterval& row = Row(w, 2);
  EXPECT_EQ(row.status, ValueStatus::kMeasured);
  EXPECT_TRUE(Fired(row, RuleId::kRange));
  EXPECT_EQ(row.invalid_fields, 1u << kVoltage);
  EXPECT_LT(row.quality, 1.0);
}

TEST_F(ValidatorTest, EnergyAboveTheMeterRatingIsInvalidAndEstimated) {
  meter_.rated_current_a = 60;  // 3 x 60 A x 230 V x 0.25 h x 1.2 = 12.42 kWh
  std::vector<RawReading> raw = Series({0.2, 0.2, 12.5, 0.4, 0.4});
  WindowResult w = Run(raw);
  const ValidatedInterval& row = Row(w, 3);
  EXPECT_EQ(row.status, ValueStatus::kEstimated);
  EXPECT_TRUE(Fired(row, RuleId::kRange));
  EXPECT_TRUE(IsEstimationMethod(row.rule));
}

TEST_F(ValidatorTest, NegativeEnergyIsInvalid) {
  rules_.estimate = false;
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.2, 0.2});
  raw[2].values[kEnergy] = -0.3;
  WindowResult w = Run(raw);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kInvalid);
  EXPECT_EQ(Row(w, 3).rule, RuleId::kNegativeEnergy);
  EXPECT_TRUE(std::isnan(Row(w, 3).energy_kwh));
}

TEST_F(ValidatorTest, ZeroStreakOnlyForAMeterThatNormallyConsumes) {
  rules_.zero_streak_intervals = 4;
  std::vector<double> kwh = Flat(6, 0.0);
  WindowResult quiet = Run(Series(kwh));
  EXPECT_FALSE(Fired(Row(quiet, 6), RuleId::kZeroStreak)) << "nothing learned: no baseline";
  typical_.daily_kwh = 8;
  WindowResult w = Run(Series(kwh));
  EXPECT_FALSE(Fired(Row(w, 3), RuleId::kZeroStreak));
  EXPECT_TRUE(Fired(Row(w, 4), RuleId::kZeroStreak));
  EXPECT_TRUE(Fired(Row(w, 6), RuleId::kZeroStreak));
  EXPECT_EQ(Row(w, 6).status, ValueStatus::kMeasured);  // a flag, not a verdict
}

TEST_F(ValidatorTest, FlatLineCountsAcrossWindows) {
  rules_.flat_line_intervals = 5;
  std::vector<RawReading> raw = Series(Flat(8, 0.137));
  WindowResult first = Run(std::vector<RawReading>(raw.begin(), raw.begin() + 3));
  ASSERT_EQ(first.anchor.end_ms, kT0 + 2 * kQ);
  EXPECT_EQ(first.anchor.flat_run, 2);
  // The next window starts after the anchor: readings 3..8.
  WindowResult second = Run(std::vector<RawReading>(raw.begin() + 2, raw.end()), first.anchor);
  EXPECT_FALSE(Fired(Row(second, 4), RuleId::kFlatLine));
  EXPECT_TRUE(Fired(Row(second, 5), RuleId::kFlatLine));
  EXPECT_TRUE(Fired(Row(second, 8), RuleId::kFlatLine));
}

TEST_F(ValidatorTest, SpikeAgainstNeighboursAndTheUsualValue) {
  // The register counts what flowed; only the interval value jumps.
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.2, 0.2, 0.2});
  raw[2].values[kEnergy] = 2.6;
  WindowResult w = Run(raw);
  EXPECT_TRUE(Fired(Row(w, 3), RuleId::kSpike));
  EXPECT_TRUE(Fired(Row(w, 3), RuleId::kSumCheck)) << "the register disagrees too";
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kEstimated);
  EXPECT_EQ(Row(w, 3).rule, RuleId::kRegisterSpread) << "registers bracket the spike";
  EXPECT_NEAR(Row(w, 3).energy_kwh, 0.2, 1e-9);
  EXPECT_EQ(Row(w, 4).status, ValueStatus::kMeasured);
  EXPECT_FALSE(Fired(Row(w, 4), RuleId::kSpike));

  // The same jump at a time the meter usually draws that much is no spike.
  typical_.quarter_kwh.fill(1.5f);
  WindowResult usual = Run(raw);
  EXPECT_FALSE(Fired(Row(usual, 3), RuleId::kSpike));
  EXPECT_EQ(Row(usual, 3).status, ValueStatus::kMeasured);
}

TEST_F(ValidatorTest, ShortGapIsSpreadFromTheRegistersThatBracketIt) {
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.3, 0.3, 0.3, 0.4, 0.4});
  raw.erase(raw.begin() + 2, raw.begin() + 5);  // the register still rose by 0.9
  WindowResult w = Run(raw);
  ASSERT_EQ(w.rows.size(), 7u);
  double gap_total = 0;
  for (int i = 3; i <= 5; ++i) {
    const ValidatedInterval& row = Row(w, i);
    EXPECT_EQ(row.status, ValueStatus::kEstimated) << i;
    EXPECT_TRUE(Fired(row, RuleId::kGap)) << i;
    EXPECT_EQ(row.rule, RuleId::kRegisterSpread) << i;
    gap_total += row.energy_kwh;
  }
  EXPECT_NEAR(gap_total, 0.9, 1e-9);
  // The estimated registers continue the measured ones.
  EXPECT_NEAR(Row(w, 5).register_kwh, raw[2].values[kRegister] - 0.4, 1e-9);
}

TEST_F(ValidatorTest, GapWithoutRegistersIsInterpolatedLinearly) {
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.0, 0.0, 0.0, 0.6, 0.6});
  raw.erase(raw.begin() + 2, raw.begin() + 5);
  for (RawReading& r : raw) r.present &= ~(1u << kRegister);
  WindowResult w = Run(raw);
  EXPECT_EQ(Row(w, 3).rule, RuleId::kLinear);
  EXPECT_NEAR(Row(w, 3).energy_kwh, 0.3, 1e-9);
  EXPECT_NEAR(Row(w, 4).energy_kwh, 0.4, 1e-9);
  EXPECT_NEAR(Row(w, 5).energy_kwh, 0.5, 1e-9);
}

TEST_F(ValidatorTest, GapNothingCanFillStaysMissing) {
  std::vector<RawReading> raw = Series(Flat(40, 0.2));
  raw.erase(raw.begin() + 2, raw.begin() + 38);  // a 9-hour gap
  for (RawReading& r : raw) r.present &= ~(1u << kRegister);
  WindowResult w = Run(raw);  // no profile, no history, no registers
  EXPECT_EQ(Row(w, 10).status, ValueStatus::kMissing);
  EXPECT_EQ(Row(w, 10).rule, RuleId::kGap);
  EXPECT_EQ(Row(w, 10).quality, 0);
}

TEST_F(ValidatorTest, LateReadingReplacesItsEstimate) {
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.3, 0.2, 0.2});
  std::vector<RawReading> without = raw;
  without.erase(without.begin() + 2);
  WindowResult before = Run(without);
  ASSERT_EQ(Row(before, 3).status, ValueStatus::kEstimated);
  EXPECT_NEAR(Row(before, 3).energy_kwh, 0.3, 1e-9) << "spread from the registers";
  // The window is run again from the same anchor with the late reading.
  WindowResult after = Run(raw);
  EXPECT_EQ(Row(after, 3).status, ValueStatus::kMeasured);
  EXPECT_DOUBLE_EQ(Row(after, 3).energy_kwh, 0.3);
}

TEST_F(ValidatorTest, DuplicateWithAnotherValueIsFlaggedAndTheLatestUsed) {
  std::vector<RawReading> raw = Series(Flat(4, 0.2));
  raw[1].revised = true;
  WindowResult w = Run(raw);
  EXPECT_TRUE(Fired(Row(w, 2), RuleId::kDuplicate));
  EXPECT_EQ(Row(w, 2).status, ValueStatus::kMeasured);
  EXPECT_EQ(Row(w, 2).rule, RuleId::kDuplicate);
  EXPECT_LT(Row(w, 2).quality, 1.0);
}

TEST_F(ValidatorTest, WrongIntervalLengthAndFutureTimestampsAreInvalid) {
  rules_.estimate = false;
  std::vector<RawReading> raw = Series(Flat(4, 0.2));
  raw[1].interval_s = 1800;
  WindowResult w = Run(raw, {}, kT0 + 3 * kQ);  // now: reading 4 is a quarter hour ahead
  EXPECT_EQ(Row(w, 2).rule, RuleId::kIntervalLength);
  EXPECT_EQ(Row(w, 2).status, ValueStatus::kInvalid);
  EXPECT_EQ(Row(w, 4).rule, RuleId::kFuture);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kMeasured);
}

TEST_F(ValidatorTest, ClockSkewWithinToleranceIsSnappedBeyondIsInvalid) {
  rules_.estimate = false;
  std::vector<RawReading> raw = Series(Flat(4, 0.2));
  raw[1].timestamp_ms += 40'000;  // 40 s late: within 60 s
  raw[2].timestamp_ms += 130'000;
  WindowResult w = Run(raw);
  EXPECT_EQ(Row(w, 2).status, ValueStatus::kMeasured);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kInvalid);
  EXPECT_EQ(Row(w, 3).rule, RuleId::kMisaligned);
}

TEST_F(ValidatorTest, RolloverIsARiseNotADrop) {
  meter_.register_digits = 6;
  meter_.register_decimals = 1;  // rolls from 99999.9 to 0
  std::vector<RawReading> raw = Series({0.2, 0.2, 0.4, 0.2}, 99999.5);
  raw[0].values[kRegister] = 99999.7;
  raw[1].values[kRegister] = 99999.9;
  raw[2].values[kRegister] = 0.3;  // +0.4
  raw[3].values[kRegister] = 0.5;
  WindowResult w = Run(raw);
  EXPECT_TRUE(Fired(Row(w, 3), RuleId::kRollover));
  EXPECT_FALSE(Fired(Row(w, 3), RuleId::kSumCheck));
  EXPECT_FALSE(Fired(Row(w, 3), RuleId::kReset));
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kMeasured);
}

TEST_F(ValidatorTest, RegisterDropThatIsNoRolloverIsAReset) {
  std::vector<RawReading> raw = Series(Flat(4, 0.2), 5000);
  raw[2].values[kRegister] = 0.2;  // the meter was exchanged
  raw[3].values[kRegister] = 0.4;
  WindowResult w = Run(raw);
  EXPECT_TRUE(Fired(Row(w, 3), RuleId::kReset));
  EXPECT_FALSE(Fired(Row(w, 3), RuleId::kRollover));
  EXPECT_FALSE(Fired(Row(w, 4), RuleId::kSumCheck)) << "a new period starts at the reset";
}

TEST_F(ValidatorTest, SumCheckCatchesAStuckRegisterOverSeveralWindows) {
  std::vector<RawReading> raw = Series(Flat(8, 0.004));  // below the 0.01 kWh tolerance
  for (size_t i = 3; i < raw.size(); ++i) raw[i].values[kRegister] = raw[2].values[kRegister];
  Anchor anchor;
  int fired_at = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    // One reading per window, as a live meter sends them.
    std::vector<RawReading> window;
    for (const RawReading& r : raw) {
      if (r.timestamp_ms > anchor.end_ms && r.timestamp_ms <= raw[i].timestamp_ms)
        window.push_back(r);
    }
    WindowResult w = Run(window, anchor);
    for (const ValidatedInterval& row : w.rows) {
      if (!fired_at && Fired(row, RuleId::kSumCheck)) fired_at = (row.end_ms - kT0) / kQ;
    }
    anchor = w.anchor;
  }
  // 0.004 kWh a quarter hour against a frozen register: 0.012 > 0.01 at
  // the third frozen interval (6).
  EXPECT_EQ(fired_at, 6);
}

// After a long clean period the period's 1 % allows more than a whole
// interval's energy; one interval against its own register step does not.
TEST_F(ValidatorTest, SumCheckCatchesOneBadIntervalLateInALongPeriod) {
  std::vector<RawReading> raw = Series({0.2, 1.27, 0.2});
  raw[1].values[kRegister] = raw[0].values[kRegister] + 0.119;  // the register saw 0.119
  raw[2].values[kRegister] = raw[1].values[kRegister] + 0.2;
  Anchor anchor;
  anchor.end_ms = kT0;
  anchor.energy_kwh = 0.2;
  anchor.register_kwh = 1000;
  anchor.sum_open = true;
  anchor.sum_energy_kwh = 133;  // two clean weeks
  anchor.sum_register_kwh = 133;
  WindowResult w = Run(raw, anchor);
  EXPECT_FALSE(Fired(Row(w, 1), RuleId::kSumCheck));
  EXPECT_TRUE(Fired(Row(w, 2), RuleId::kSumCheck));
  EXPECT_FALSE(Fired(Row(w, 3), RuleId::kSumCheck)) << "a new period starts after it";
}

TEST_F(ValidatorTest, RegisterOnlyMeterGetsItsEnergyFromTheDifference) {
  std::vector<RawReading> raw = Series({0.2, 0.3, 0.1});
  for (RawReading& r : raw) r.present &= ~(1u << kEnergy);
  WindowResult w = Run(raw);
  EXPECT_EQ(Row(w, 2).status, ValueStatus::kMeasured);
  EXPECT_NEAR(Row(w, 2).energy_kwh, 0.3, 1e-9);
  EXPECT_EQ(Row(w, 1).status, ValueStatus::kMissing) << "the first has no register before it";
}

TEST_F(ValidatorTest, EditsWinOverEverything) {
  std::vector<RawReading> raw = Series({0.2, 0.2, 2.6, 0.2});
  edits_[kT0 + 3 * kQ] = Edit{0.21, NAN};
  WindowResult w = Run(raw);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kEdited);
  EXPECT_EQ(Row(w, 3).rule, RuleId::kManualEdit);
  EXPECT_DOUBLE_EQ(Row(w, 3).energy_kwh, 0.21);
}

TEST_F(ValidatorTest, AGapNotYetDueWaitsForItsReadings) {
  rules_.due_after_hours = 1;
  std::vector<RawReading> raw = Series(Flat(6, 0.2));
  raw.erase(raw.begin() + 2);  // reading 3 may still come: reading 6 is only 45 min later
  WindowResult w = Run(raw, {}, kT0 + 6 * kQ);
  EXPECT_TRUE(Row(w, 3).pending);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kMissing) << "not estimated";
  EXPECT_LT(w.anchor.end_ms, kT0 + 3 * kQ) << "the anchor stays before it";
  // An hour of data later (or of clock), it is due and estimated.
  WindowResult later = Run(raw, {}, kT0 + 3 * kQ + 3'600'000);
  EXPECT_FALSE(Row(later, 3).pending);
  EXPECT_EQ(Row(later, 3).status, ValueStatus::kEstimated);
}

TEST_F(ValidatorTest, AGapOverdueByTheClockWaitsUntilTheReadingsAfterItHaveSettled) {
  std::vector<RawReading> raw = Series(Flat(6, 0.2));
  raw.erase(raw.begin() + 2);  // reading 3; the clock (two days on) has it overdue
  // Readings 4 to 6 arrived within the settle time: 3 may be on its way.
  WindowResult w = Run(raw, {}, kT0 + 2 * 86'400'000, kT0 + 2 * kQ);
  EXPECT_TRUE(Row(w, 3).pending);
  EXPECT_TRUE(Row(w, 3).settling);
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kMissing) << "not estimated";
  EXPECT_LT(w.anchor.end_ms, kT0 + 3 * kQ) << "the anchor stays before it";
  // Once reading 4 has settled, the clock makes the gap due.
  WindowResult settled = Run(raw, {}, kT0 + 2 * 86'400'000, kT0 + 4 * kQ);
  EXPECT_FALSE(Row(settled, 3).pending);
  EXPECT_FALSE(Row(settled, 3).settling);
  EXPECT_EQ(Row(settled, 3).status, ValueStatus::kEstimated);
}

TEST_F(ValidatorTest, TheMetersOwnDataMakesAGapDueWithoutSettling) {
  rules_.due_after_hours = 1;
  std::vector<RawReading> raw = Series(Flat(12, 0.2));
  raw.erase(raw.begin() + 2);  // reading 3; readings run on 2 hours past it
  WindowResult w = Run(raw, {}, kT0 + 2 * 86'400'000, INT64_MIN);
  EXPECT_FALSE(Row(w, 3).pending) << "an hour of the meter's data is past it";
  EXPECT_EQ(Row(w, 3).status, ValueStatus::kEstimated);
}

TEST_F(ValidatorTest, AGapAtTheEndStaysOpenUntilAReadingClosesIt) {
  WindowResult w = Run(Series(Flat(4, 0.2)), {}, kT0 + 4 * kQ + 10 * 3'600'000);
  ASSERT_EQ(w.rows.size(), 4u);
  EXPECT_EQ(w.rows.back().end_ms, kT0 + 4 * kQ);
}

TEST_F(ValidatorTest, ReadingsThatArriveLateLoseTimeliness) {
  std::vector<RawReading> raw = Series(Flat(4, 0.2));
  raw[1].late_by_ms = 3 * 3'600'000;  // before it was due (4 hours): on time
  raw[2].late_by_ms = 25 * 3'600'000;
  WindowResult w = Run(raw);
  EXPECT_NEAR(Row(w, 2).quality, 1.0, 1e-12);
  EXPECT_EQ(Row(w, 2).late_by_s, 0);
  EXPECT_EQ(Row(w, 3).late_by_s, 25 * 3600);
  // Timeliness 1 - (25 h - 4 h) / (48 h - 4 h); weight 0.1.
  EXPECT_NEAR(Row(w, 3).quality, 0.9 + 0.1 * (1 - 21.0 / 44.0), 1e-9);
}

TEST(QualityTest, TiersAndWeights) {
  EXPECT_DOUBLE_EQ(QualityScore(1, 1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(QualityScore(1, 1, 1, 0), 0.9);
  EXPECT_DOUBLE_EQ(QualityScore(0, 1, 1, 1), 0.7);
  EXPECT_EQ(QualityTier(0.95), "EXCELLENT");
  EXPECT_EQ(QualityTier(0.9), "EXCELLENT");
  EXPECT_EQ(QualityTier(0.85), "GOOD");
  EXPECT_EQ(QualityTier(0.7), "FAIR");
  EXPECT_EQ(QualityTier(0.5), "POOR");
  EXPECT_EQ(QualityTier(0.49), "UNKNOWN");
}

}  // namespace
}  // namespace metrify::vee
