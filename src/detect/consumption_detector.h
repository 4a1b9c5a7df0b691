// ConsumptionDetector: one meter's interval energy against its own history
// (rule "consumption_high", Finding.type "consumption"). It only looks up:
// unusually LOW consumption (zero streaks, a day far below the usual) is
// VEE's (zero_streak, daily_low).
//
// How it judges (settings in ConsumptionRules, config/alert-rules.yaml):
//
//   - Energy is normalised to a quarter hour (kWh × 900 / interval_s) and
//     judged as y = ln(e + floor_kwh): meter noise is multiplicative, and
//     the floor keeps near-zero nights (and a PV household's noon) from
//     turning tiny changes into huge ratios.
//   - The expected value and spread come from a time-of-week baseline: per
//     HOUR of the week (168 bins), a robust level (a Huber-clipped running
//     mean of y: residuals beyond 2.5 spreads count as 2.5, so a spike moves
//     it little) and a robust spread (clipped mean absolute residual ×
//     1.2533, Gaussian-consistent). Each bin weighs its last ~history_weeks
//     of samples. Hours, not quarter hours: after two weeks a quarter-hour
//     bin has 2 samples, an hour bin 8, and the memory budget holds 168 bins
//     with room, not 672 with spreads.
//   - Until the meter has baseline_weeks of history, a rolling window (an
//     exponentially weighted mean and variance of y over window_hours)
//     stands in; it knows nothing of the daily shape, so it is wide, and
//     the peak a spike must top is the meter's high at ANY hour of the day
//     (without it a new household's kettle at night fired: 11.9 false
//     alarms per 1,000 meter-days in the first two weeks, 1.7 with it).
//   - A spike is ONE interval far above both neighbours (meter noise is
//     independent per quarter hour; a busy hour or a cloudy PV import lasts
//     several), so an interval is judged when the NEXT one arrives: Observe
//     returns the verdict of the PREVIOUS interval (Finding.at_ms = that
//     interval's end), one interval late. If the new interval does not
//     follow it directly (a gap, another interval length), the held one is
//     judged without a right neighbour. The newest interval stays held until
//     the next one comes.
//   - z = (y - expected) / max(spread, min_spread). The interval fires when
//     z > warning_z (WARNING; CRITICAL above critical_z) AND all of:
//       * y - expected >= ln(min_ratio);
//       * y - ln(larger neighbour + floor) >= ln(neighbour_ratio);
//       * energy - expected >= min_excess_of_mean × the meter's LEVEL: the
//         larger of its mean quarter hour (over about a week) and 2 × its
//         mean quarter hour of the local night (00-05 h). PV shrinks the
//         mean of a prosumer (after sunny weeks the noon imports are ~0) but
//         not the night, and a household's night is about half its mean;
//       * y - peak >= ln(peak_ratio), the peak being the recent high of its
//         hour of the DAY (the maximum of y over any day of the week in the
//         current and the previous two-week period: hours that swing with
//         the weather have heavy tails a spread does not describe);
//       * in an hour whose expected value is below half the night's (a PV
//         household's sunny hours; no other hour draws less), energy - larger neighbour >= 5 × the
//         level: a cloudy import there is at most the household's load,
//         while the simulator's spike of an exporting interval is 8-20 × the
//         mean quarter hour.
//     The z-score alone is not enough: a household's quarter hours vary by
//     ~35 %, so z > 3 holds for about one interval in 700 on clean data
//     (bench/detect_consumption_bench.cc measures it).
//   - Every interval then updates the baseline, the window and the levels;
//     one that fired does not raise the high.
//
// Time of week: UTC plus `utc_offset_s` as the caller passes it per
// interval (the meter's local offset at that time, vee::LocalClock gives
// it); 0 judges in UTC, which only shifts the bins outside DST changes.
//
// Memory: sizeof(ConsumptionDetector) is 992 bytes, no heap (a
// static_assert below keeps it at most 2 KB: 100,000 meters in 98 MB).
// Thread safety: none; one owner per meter.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "detect/detect_rules.h"
#include "detect/threshold_checks.h"

namespace metrify::detect {

class ConsumptionDetector {
 public:
  // Takes the interval ending at `end_ms` (UTC ms) with `energy_kwh` over
  // `interval_s` and holds it; judges the interval held before (ONE
  // INTERVAL LATE: this one is its right neighbour, or, after a gap, it is
  // judged without one), then learns from that. REQUIRES: intervals in time
  // order (an older or repeated end_ms is ignored: nullopt).
  // Returns nullopt when nothing was judged (no interval held, still
  // learning, rule disabled, energy negative or not finite, interval_s <= 0:
  // such an input is dropped, as if missing), else the held interval's
  // Verdict with rule "consumption_high": a Finding (at_ms = the held
  // interval's end, value = its energy, message with the expected value and
  // z) or clear.
  std::optional<Verdict> Observe(int64_t end_ms, double energy_kwh, int interval_s,
                                 const ConsumptionRules& rules, std::string_view meter_id,
                                 int32_t utc_offset_s = 0);

  // The hour of the week (0 = Monday 00:00-01:00) of the interval ending
  // at end_ms, in UTC + utc_offset_s.
  static int HourOfWeek(int64_t end_ms, int interval_s, int32_t utc_offset_s);

  // The baseline's expected quarter-hour energy (kWh) for hour-of-week
  // `bin`, or nullopt while it has no samples.
  std::optional<double> ExpectedKwh(int bin, const ConsumptionRules& rules) const;

 private:
  struct Judged {
    double expected_y, spread;
    double peak_y = -INFINITY;  // the hour of the day's recent high; -inf: none (rolling window)
  };
  // The held interval, waiting for its right neighbour.
  struct Held {
    int64_t end_ms = INT64_MIN;  // INT64_MIN: none
    float quarter_kwh = 0;
    float left_kwh = -1;  // the left neighbour's quarter-hour energy; < 0: none
    int32_t interval_s = 0;
    int16_t bin = 0;
  };
  // Judges the held interval with its right neighbour (quarter-hour kWh;
  // < 0: none), learns from it, and returns its verdict.
  std::optional<Verdict> Judge(double right_kwh, const ConsumptionRules& rules,
                               std::string_view meter_id);
  std::optional<Judged> Reference(int bin, int64_t end_ms, const ConsumptionRules& rules) const;
  void Learn(int bin, double y, double quarter_kwh, int interval_s, const ConsumptionRules& rules);
  // The recent high of y at the interval's hour of the day (any day of the
  // week), over the current and the previous high period; -inf if none.
  double High(int bin) const;
  // The recent high of y at any hour (the same periods); -inf if none.
  double AnyHourHigh() const;
  void LearnHigh(int bin, double y, int64_t end_ms);
  // The floor added before the log (kWh per quarter hour).
  double Floor(const ConsumptionRules& rules) const;
  // The meter's level (kWh per quarter hour) that the excess is scaled by.
  double Level() const;

  static constexpr int kBins = 168;
  // Quantised: level = ln(kWh + floor) × 2048 (±16), spread × 8192 (0-8).
  std::array<int16_t, kBins> level_{};
  std::array<uint16_t, kBins> spread_{};
  static constexpr int kHours = 24;
  // Maximum of y per hour of the day, this high period and the previous one
  // (scaled like level_; INT16_MIN: none).
  std::array<int16_t, kHours> high_now_{}, high_before_{};
  int64_t high_period_ = INT64_MIN;     // the current high period (end_ms / period)
  std::array<uint8_t, kBins> count_{};  // samples in the bin, saturating at 255
  float roll_mean_ = 0, roll_var_ = 0;  // the rolling window, of y
  float mean_kwh_ = 0;                  // mean quarter-hour energy over about a week
  float night_kwh_ = -1;                // mean quarter hour of the night hours; < 0: none yet
  Held held_;
  int64_t first_ms_ = INT64_MIN;
};

static_assert(sizeof(ConsumptionDetector) <= 2048, "the 2 KB per meter budget");

}  // namespace metrify::detect
