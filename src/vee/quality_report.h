// Quality reports (docs/quality.md): per meter and LOCAL day (the meter's
// time zone; a DST day has 92 or 100 quarter hours and is whole with them),
// what share of the day's intervals were measured, estimated, edited,
// invalid or missing, how complete, valid, timely and good they were, the
// day's validated energy and the rules that fired; and the day-level rules
// daily_high / daily_low, the day's energy against the meter's usual day.
//
// Reports are computed from the validated view (validated_view.h) when
// asked, never stored: late data and edits show in the next report.
//
// Pure functions over points; thread-safe.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "vee/local_clock.h"
#include "vee/rules.h"
#include "vee/status.h"
#include "vee/validated_view.h"

namespace metrify::vee {

// What the figures of a day, a meter's range or a group of meters are made
// of; sums add up (Add) so totals are figures of the summed counts.
struct QualityTally {
  int64_t expected = 0;  // intervals due (BuildDayReports says which)
  // Of `expected`, by ValueStatus; a due interval the view shows nothing
  // for counts MISSING.
  std::array<int64_t, kValueStatuses> counts{};
  int64_t came = 0;           // of `expected`: a reading with an energy or register came
  int64_t refused = 0;        // of `came`: VEE refused it (INVALID, or ESTIMATED in its place)
  int64_t late = 0;           // MEASURED intervals whose reading came after it was due
  double timeliness_sum = 0;  // over MEASURED intervals (quality.h Timeliness)
  double quality_sum = 0;     // interval quality scores over `expected` (absent: 0)
  double energy_kwh = 0;      // validated energy of MEASURED, ESTIMATED, EDITED intervals
  int64_t energy_intervals = 0;
  // By RuleId: for validation rules the intervals the rule fired on
  // (daily_high and daily_low: the days), for estimation methods the
  // intervals they estimated.
  std::array<int64_t, 64> rules{};

  void Add(const QualityTally& other);
  int64_t Count(ValueStatus status) const { return counts[static_cast<int>(status)]; }
  // Of `expected`; NaN when nothing was expected (so for every figure below).
  double Share(ValueStatus status) const;
  // (MEASURED + EDITED) / expected: the share of due intervals whose energy
  // a meter or a person gave, not an estimate.
  double Completeness() const;
  // 1 - refused / came: the share of the readings that came that VEE
  // accepted; NaN when none came.
  double Validity() const;
  // Mean timeliness of the MEASURED intervals; NaN when none.
  double Timeliness() const;
  // Mean interval quality score over the due intervals.
  double Quality() const;
};

// The day-level rules' verdict on a day's energy.
enum class DailyResult : uint8_t { kNotJudged, kNormal, kHigh, kLow };
enum class NotJudgedReason : uint8_t {
  kNone,
  kRulesOff,          // daily_high and daily_low are both off for the meter
  kDayIncomplete,     // an interval of the day has no validated energy (or is not due yet)
  kTooLittleHistory,  // fewer complete days before it than daily.min_history_days
};
std::string_view DailyResultName(DailyResult result);     // "not_judged", "normal", "high", "low"
std::string_view NotJudgedReasonName(NotJudgedReason r);  // "", "rules_off", ...

struct DailyCheck {
  DailyResult result = DailyResult::kNotJudged;
  NotJudgedReason reason = NotJudgedReason::kNone;
  double usual_kwh = NAN;  // median energy of the complete history days
  int history_days = 0;    // complete days among the HistoryDays() before
  double ratio = NAN;      // the day's energy / usual_kwh
};

struct DayQuality {
  int64_t day = 0;                   // local days since 1970-01-01
  int64_t start_ms = 0, end_ms = 0;  // UTC bounds of the local day
  int64_t intervals = 0;             // grid intervals of the whole day: 92/96/100 at 15 min
  QualityTally tally;
  DailyCheck daily;

  // Every interval of the whole day due and MEASURED or EDITED: the days a
  // usual day is learned from.
  bool Complete() const;
  // Every interval of the whole day has a validated energy (estimates
  // included): the days daily_high / daily_low judge.
  bool Whole() const;
};

struct DayReportOptions {
  int64_t now_ms = 0;  // intervals ending later are not due yet
  int32_t interval_s = 900;
  double due_after_hours = 4;      // the gap rule's; when a reading counts late
  const RuleSet* rules = nullptr;  // daily_high / daily_low and their settings; null: defaults
};

// How many local days before a day its usual energy is taken from:
// 2 x daily.min_history_days; 0 when daily_high and daily_low are off.
int HistoryDays(const RuleSet& rules);

// The interval ends [start_ms, end_ms) a report of local days [first_day,
// end_day) needs from the validated view: the days and their history.
struct ReportWindow {
  int64_t start_ms = 0, end_ms = 0;
};
ReportWindow WindowFor(LocalClock& clock, int64_t first_day, int64_t end_day, const RuleSet& rules);

// One report per local day in [first_day, end_day) from `points`, the
// validated view of WindowFor()'s range (ascending, one per grid end).
// Due intervals: those ending at or before now, from the first point the
// view shows on (it starts at the meter's installation, else its first
// reading). `clock` is for the meter's time zone.
std::vector<DayQuality> BuildDayReports(std::span<const ValidatedPoint> points, LocalClock& clock,
                                        int64_t first_day, int64_t end_day,
                                        const DayReportOptions& options);

// The levels a check asks for (docs/quality.md "Thresholds").
struct QualityThresholds {
  double min_completeness = 0.95;
  double min_validity = 0.98;
  double min_quality = 0.8;  // GOOD
};

// The figures of `tally` below their threshold, by name ("completeness",
// "validity", "quality"); a figure with nothing to judge (NaN) misses none.
std::vector<std::string_view> Below(const QualityTally& tally, const QualityThresholds& min);

// A meter's days added up.
struct RangeQuality {
  QualityTally tally;
  int64_t days = 0, days_complete = 0, days_judged = 0, days_high = 0, days_low = 0;
  int64_t days_below = 0;  // days with a figure below its threshold

  void Add(const RangeQuality& other);
};
RangeQuality Summarize(std::span<const DayQuality> days, const QualityThresholds& min);

// Meters added up (a fleet summary's group).
struct GroupQuality {
  // The tiers in the order meters_by_tier counts them.
  static constexpr std::array<std::string_view, 5> kTiers = {"EXCELLENT", "GOOD", "FAIR", "POOR",
                                                             "UNKNOWN"};
  RangeQuality range;
  int64_t meters = 0;
  int64_t meters_below = 0;         // whose range total has a figure below its threshold
  int64_t meters_without_data = 0;  // with nothing due in the range
  // Meters by the tier of their range total's quality (kTiers' order): a
  // fleet's tiers without a group per meter.
  std::array<int64_t, kTiers.size()> meters_by_tier{};

  void Add(const RangeQuality& meter, const QualityThresholds& min);
};

}  // namespace metrify::vee
