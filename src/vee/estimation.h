// Estimation (docs/vee.md "Estimation"): substitute values for a meter's
// MISSING and INVALID intervals, each by a named method, from what is known
// around the gap. Pure functions: the caller gathers the context (adjoining
// values, registers, history) and stores the result as ESTIMATED with the
// method's RuleId.
//
// Times are interval ends (UTC ms); a gap is `count` consecutive intervals
// of `interval_s` seconds, the first ending at `first_end_ms`. Energies are
// kWh per interval, never negative.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vee/rules.h"
#include "vee/status.h"

namespace metrify::vee {

struct Gap {
  int64_t first_end_ms = 0;
  int count = 0;
  int32_t interval_s = 900;

  // Every method returns nullopt for a gap that is not this.
  bool valid() const { return count > 0 && interval_s > 0; }
  int64_t interval_ms() const { return int64_t{interval_s} * 1000; }
  // The end of gap interval i (0-based; i = -1 is the interval before the
  // gap, i = count the one after it).
  int64_t EndMs(int i) const { return first_end_ms + i * interval_ms(); }
  double hours() const { return count * (interval_s / 3600.0); }
};

// What is known around a gap.
struct GapContext {
  // The measured intervals adjoining the gap (the one ending at
  // first_end_ms - interval, and the one ending one interval after the
  // gap's last), if measured.
  std::optional<double> before_kwh, after_kwh;
  // The register (kWh, already multiplied) at the gap's start (the reading
  // before it) and at its end (the reading after it minus that reading's
  // own interval energy), when both are known; the caller has unwrapped a
  // rollover. Their difference is the gap's total.
  std::optional<double> register_start_kwh, register_end_kwh;
  // A measured value of this meter for the interval ending at `end_ms`, or
  // nullopt (not measured, not stored, estimated itself). Used by the
  // similar-day method, for the weeks before the gap and the days beside
  // it; may be empty.
  std::function<std::optional<double>(int64_t end_ms)> history;
  // The meter's standard load profile ("H0", ...; empty: none), its time
  // zone (IANA, for the local quarter-hour) and the annual energy to scale
  // it to (declared, or derived from history by the caller); 0: unknown.
  std::string load_profile;
  std::string timezone = "Europe/Berlin";
  double annual_kwh = 0;
};

struct Estimate {
  RuleId method = RuleId::kNone;
  std::vector<double> kwh;  // one per gap interval
};

// Linear interpolation between before_kwh and after_kwh (a straight line
// through the gap's intervals): with the interval before the gap at
// position 0 and the one after it at count + 1, interval i (1..count) gets
// before + (after - before) x i / (count + 1). A negative neighbour counts
// as 0. nullopt unless both are known.
std::optional<Estimate> EstimateLinear(const Gap& gap, const GapContext& context);

// Per interval: the mean of this meter's measured values at the same local
// wall-clock time on the same weekday 1..weeks weeks earlier (DST-aware:
// calendar weeks in the meter's time zone), scaled by the meter's current
// level: the measured energy of the day before and the day after the gap
// (what `history` knows of them) over these means for the same intervals,
// bounded to 0.8-1.25; no scaling when fewer than half of those intervals
// have both. An interval is placed by the local time at which it STARTS
// (so the interval ending at local midnight is the previous day's last,
// and on a spring-forward day 01:45-03:00 is the 01:45 interval). Looking
// back to a wall-clock time that did not exist that day (the skipped
// spring hour) finds no value for that week; one that existed twice (the
// repeated autumn hour) takes the earlier instant (summer time). nullopt
// when any interval has fewer than max(min_days, 1) values, when `history`
// is empty or the time zone is unknown.
std::optional<Estimate> EstimateSimilarDay(const Gap& gap, const GapContext& context, int weeks,
                                           int min_days);

// The meter's load profile (reference/load_profile.h) scaled to
// annual_kwh. A quarter-hour interval gets the profile's value for the
// local quarter hour in which it starts (on DST days slots 8-11 are skipped
// in spring and repeated in autumn, as the BDEW practice is); an interval
// of another length gets the quarter hours it overlaps, each in proportion
// to the overlap. nullopt without a known profile, a time zone the
// database knows, or annual_kwh > 0.
std::optional<Estimate> EstimateProfile(const Gap& gap, const GapContext& context);

// The known register difference spread over the gap in the proportions of
// `shape` (another method's estimate; flat when it is empty, has another
// size than the gap or sums to 0; negative entries count as 0). The values
// sum to the difference to floating-point rounding (the last rounding error
// goes to the largest value). nullopt unless both registers are known and
// the difference is >= 0.
std::optional<Estimate> EstimateRegisterSpread(const Gap& gap, const GapContext& context,
                                               const std::vector<double>& shape);

// The method VEE uses, by precedence: the register spread whenever the
// registers bracket the gap, else linear for gaps up to
// rules.linear_max_gap_hours, else similar day (rules.similar_day_weeks,
// similar_day_min_days), else profile (a long gap is never a straight
// line: it stays MISSING when none applies). The spread is shaped
// by the first of linear (gaps up to linear_max_gap_hours), similar day and
// profile that applies, else flat; its method is kRegisterSpread. nullopt
// when nothing applies, when rules.estimate is off, or when the gap is
// longer than rules.max_estimated_gap_days.
std::optional<Estimate> EstimateGap(const Gap& gap, const GapContext& context,
                                    const RuleSet& rules);

}  // namespace metrify::vee
