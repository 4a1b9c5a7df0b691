#include "vee/quality_report.h"

#include <algorithm>
#include <bit>

#include "common/time.h"
#include "vee/quality.h"

namespace metrify::vee {

namespace {

// Reading fields (model/series.cc order) that carry an energy: a reading
// with neither says nothing about the interval's energy.
constexpr uint16_t kEnergyFields = (1u << 0) | (1u << 2);  // energy_kwh, register_kwh

double Ratio(double part, int64_t whole) {
  return whole == 0 ? NAN : part / static_cast<double>(whole);
}

// Grid ends e with lo < e <= hi.
int64_t GridEnds(int64_t lo, int64_t hi, int64_t step) {
  return hi <= lo ? 0 : FloorDiv(hi, step) - FloorDiv(lo, step);
}

void Count(const ValidatedPoint& p, double due_after_hours, QualityTally& t) {
  const ValidatedInterval& row = p.row;
  ++t.expected;
  ++t.counts[static_cast<int>(row.status)];
  if (p.raw_present & kEnergyFields) {
    ++t.came;
    t.refused += row.status == ValueStatus::kInvalid || row.status == ValueStatus::kEstimated;
  }
  if (row.status == ValueStatus::kMeasured) {
    t.timeliness_sum += vee::Timeliness(row.late_by_s, due_after_hours);
    t.late += row.late_by_s > due_after_hours * 3600;
  }
  t.quality_sum += row.quality;
  if (CountsInRollups(row.status) && !std::isnan(row.energy_kwh)) {
    t.energy_kwh += row.energy_kwh;
    ++t.energy_intervals;
  }
  for (uint32_t f = row.fired; f != 0; f &= f - 1) ++t.rules[std::countr_zero(f)];
  if (row.status == ValueStatus::kEstimated && IsEstimationMethod(row.rule)) {
    ++t.rules[static_cast<int>(row.rule)];
  }
}

// Due intervals the view showed nothing for (it shows every one from its
// first point to now, so this is a safeguard): MISSING, by the gap rule.
void CountUnseen(int64_t unseen, QualityTally& t) {
  if (unseen <= 0) return;
  t.expected += unseen;
  t.counts[static_cast<int>(ValueStatus::kMissing)] += unseen;
  t.rules[static_cast<int>(RuleId::kGap)] += unseen;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool On(RuleAction action) { return action != RuleAction::kOff; }

// `day` against the complete days among `history` (the days before it).
DailyCheck JudgeDay(const DayQuality& day, std::span<const DayQuality> history,
                    const RuleSet& rules) {
  DailyCheck check;
  if (!On(rules.daily_high) && !On(rules.daily_low)) {
    check.reason = NotJudgedReason::kRulesOff;
    return check;
  }
  std::vector<double> energies;
  for (const DayQuality& d : history) {
    if (d.Complete()) energies.push_back(d.tally.energy_kwh);
  }
  check.history_days = static_cast<int>(energies.size());
  if (!energies.empty()) check.usual_kwh = Median(std::move(energies));
  if (!day.Whole()) {
    check.reason = NotJudgedReason::kDayIncomplete;
    return check;
  }
  if (check.history_days < rules.daily_min_history_days) {
    check.reason = NotJudgedReason::kTooLittleHistory;
    return check;
  }
  const double energy = day.tally.energy_kwh;
  check.ratio = check.usual_kwh > 0 ? energy / check.usual_kwh : NAN;
  check.result = DailyResult::kNormal;
  if (On(rules.daily_high) && energy > rules.daily_high_factor * check.usual_kwh) {
    check.result = DailyResult::kHigh;
  } else if (On(rules.daily_low) && energy < rules.daily_low_factor * check.usual_kwh) {
    check.result = DailyResult::kLow;
  }
  return check;
}

// The days [first, end) with their counts, before any judging.
std::vector<DayQuality> TallyDays(std::span<const ValidatedPoint> points, LocalClock& clock,
                                  int64_t first, int64_t end, const DayReportOptions& options) {
  const int64_t step = int64_t{options.interval_s} * 1000;
  const int64_t due_from = points.empty() ? INT64_MAX : points.front().row.end_ms;
  std::vector<DayQuality> days;
  days.reserve(static_cast<size_t>(std::max<int64_t>(0, end - first)));
  size_t i = 0;
  int64_t day_end = clock.DayStartUtc(first);
  for (int64_t d = first; d < end; ++d) {
    DayQuality day;
    day.day = d;
    day.start_ms = day_end;
    day.end_ms = day_end = clock.DayStartUtc(d + 1);
    day.intervals = GridEnds(day.start_ms, day.end_ms, step);
    // Interval ends in (start, end] belong to the day.
    while (i < points.size() && points[i].row.end_ms <= day.start_ms) ++i;
    int64_t shown = 0;
    for (; i < points.size() && points[i].row.end_ms <= day.end_ms; ++i) {
      if (points[i].row.end_ms > options.now_ms) continue;  // not due yet
      Count(points[i], options.due_after_hours, day.tally);
      ++shown;
    }
    const int64_t lo = due_from == INT64_MAX ? day.end_ms : std::max(day.start_ms, due_from - 1);
    CountUnseen(GridEnds(lo, std::min(day.end_ms, options.now_ms), step) - shown, day.tally);
    days.push_back(std::move(day));
  }
  return days;
}

}  // namespace

void QualityTally::Add(const QualityTally& o) {
  expected += o.expected;
  for (int s = 0; s < kValueStatuses; ++s) counts[s] += o.counts[s];
  came += o.came;
  refused += o.refused;
  late += o.late;
  timeliness_sum += o.timeliness_sum;
  quality_sum += o.quality_sum;
  energy_kwh += o.energy_kwh;
  energy_intervals += o.energy_intervals;
  for (size_t r = 0; r < rules.size(); ++r) rules[r] += o.rules[r];
}

double QualityTally::Share(ValueStatus status) const {
  return Ratio(static_cast<double>(Count(status)), expected);
}

double QualityTally::Completeness() const {
  return Ratio(static_cast<double>(Count(ValueStatus::kMeasured) + Count(ValueStatus::kEdited)),
               expected);
}

double QualityTally::Validity() const {
  return came == 0 ? NAN : 1 - static_cast<double>(refused) / static_cast<double>(came);
}

double QualityTally::Timeliness() const {
  return Ratio(timeliness_sum, Count(ValueStatus::kMeasured));
}

double QualityTally::Quality() const { return Ratio(quality_sum, expected); }

std::string_view DailyResultName(DailyResult result) {
  switch (result) {
    case DailyResult::kNormal:
      return "normal";
    case DailyResult::kHigh:
      return "high";
    case DailyResult::kLow:
      return "low";
    case DailyResult::kNotJudged:
      break;
  }
  return "not_judged";
}

std::string_view NotJudgedReasonName(NotJudgedReason r) {
  switch (r) {
    case NotJudgedReason::kRulesOff:
      return "rules_off";
    case NotJudgedReason::kDayIncomplete:
      return "day_incomplete";
    case NotJudgedReason::kTooLittleHistory:
      return "too_little_history";
    case NotJudgedReason::kNone:
      break;
  }
  return "";
}

bool DayQuality::Complete() const {
  return intervals > 0 &&
         tally.Count(ValueStatus::kMeasured) + tally.Count(ValueStatus::kEdited) == intervals;
}

bool DayQuality::Whole() const { return intervals > 0 && tally.energy_intervals == intervals; }

int HistoryDays(const RuleSet& rules) {
  if (!On(rules.daily_high) && !On(rules.daily_low)) return 0;  // nothing to judge against it
  return 2 * rules.daily_min_history_days;
}

ReportWindow WindowFor(LocalClock& clock, int64_t first_day, int64_t end_day,
                       const RuleSet& rules) {
  // A day's intervals end in (start, end]: one millisecond on at both ends.
  return {clock.DayStartUtc(first_day - HistoryDays(rules)) + 1, clock.DayStartUtc(end_day) + 1};
}

std::vector<DayQuality> BuildDayReports(std::span<const ValidatedPoint> points, LocalClock& clock,
                                        int64_t first_day, int64_t end_day,
                                        const DayReportOptions& options) {
  if (end_day <= first_day) return {};
  const RuleSet defaults;
  const RuleSet& rules = options.rules ? *options.rules : defaults;
  const int64_t history = HistoryDays(rules);
  std::vector<DayQuality> all = TallyDays(points, clock, first_day - history, end_day, options);
  std::vector<DayQuality> out;
  out.reserve(all.size() - static_cast<size_t>(history));
  for (size_t i = static_cast<size_t>(history); i < all.size(); ++i) {
    DayQuality day = all[i];
    day.daily = JudgeDay(day, std::span(all).subspan(i - history, history), rules);
    if (day.daily.result == DailyResult::kHigh)
      ++day.tally.rules[static_cast<int>(RuleId::kDailyHigh)];
    if (day.daily.result == DailyResult::kLow)
      ++day.tally.rules[static_cast<int>(RuleId::kDailyLow)];
    out.push_back(std::move(day));
  }
  return out;
}

std::vector<std::string_view> Below(const QualityTally& tally, const QualityThresholds& min) {
  std::vector<std::string_view> below;
  // NaN compares false: nothing to judge misses nothing.
  if (tally.Completeness() < min.min_completeness) below.push_back("completeness");
  if (tally.Validity() < min.min_validity) below.push_back("validity");
  if (tally.Quality() < min.min_quality) below.push_back("quality");
  return below;
}

void RangeQuality::Add(const RangeQuality& o) {
  tally.Add(o.tally);
  days += o.days;
  days_complete += o.days_complete;
  days_judged += o.days_judged;
  days_high += o.days_high;
  days_low += o.days_low;
  days_below += o.days_below;
}

RangeQuality Summarize(std::span<const DayQuality> days, const QualityThresholds& min) {
  RangeQuality range;
  for (const DayQuality& d : days) {
    range.tally.Add(d.tally);
    ++range.days;
    range.days_complete += d.Complete();
    range.days_judged += d.daily.result != DailyResult::kNotJudged;
    range.days_high += d.daily.result == DailyResult::kHigh;
    range.days_low += d.daily.result == DailyResult::kLow;
    range.days_below += !Below(d.tally, min).empty();
  }
  return range;
}

void GroupQuality::Add(const RangeQuality& meter, const QualityThresholds& min) {
  range.Add(meter);
  ++meters;
  meters_below += !Below(meter.tally, min).empty();
  meters_without_data += meter.tally.expected == 0;
  const std::string_view tier = QualityTier(meter.tally.Quality());
  for (size_t i = 0; i < kTiers.size(); ++i) meters_by_tier[i] += kTiers[i] == tier;
}

}  // namespace metrify::vee
