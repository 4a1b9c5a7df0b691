// One meter's interval energy against its history (consumption_detector.h).
#include "detect/consumption_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/time.h"

namespace metrify::detect {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kWeekMs = 7 * 24 * kHourMs;
constexpr double kLevelScale = 2048, kSpreadScale = 8192;
constexpr double kClip = 2.5;        // residuals beyond this many spreads are clipped
constexpr double kMadToSd = 1.2533;  // mean |residual| to a Gaussian standard deviation
constexpr int kMinBinSamples = 3;
constexpr int64_t kHighPeriodMs = 2 * kWeekMs;  // the high covers the last one to two of these
constexpr int16_t kNoHigh = INT16_MIN;
// The meter's level: the larger of its mean quarter hour and kNightFactor ×
// its mean quarter hour of the local night hours [kNightFrom, kNightTo)
// (no sun, so PV does not shrink it; a household's night is about half its
// mean).
constexpr double kNightFactor = 2;
constexpr int kNightFrom = 0, kNightTo = 5;
// An hour whose expected value is below kLowShare × the night's (a PV
// household's sunny hours: no other hour draws less than the night) also needs kLowExcess × the
// level above the larger neighbour: a cloudy import there is at most the household's load.
constexpr double kLowShare = 0.5, kLowExcess = 5;

int16_t PackLevel(double y) {
  return static_cast<int16_t>(std::clamp(std::lround(y * kLevelScale), -32767L, 32767L));
}
double UnpackLevel(int16_t q) { return q / kLevelScale; }
uint16_t PackSpread(double s) {
  return static_cast<uint16_t>(std::clamp(std::lround(s * kSpreadScale), 0L, 65535L));
}
double UnpackSpread(uint16_t q) { return q / kSpreadScale; }

}  // namespace

double ConsumptionDetector::Level() const {
  return std::max<double>(mean_kwh_, kNightFactor * night_kwh_);
}

double ConsumptionDetector::Floor(const ConsumptionRules& rules) const {
  return std::max<double>(rules.floor_kwh, rules.floor_of_mean * mean_kwh_);
}

int ConsumptionDetector::HourOfWeek(int64_t end_ms, int interval_s, int32_t utc_offset_s) {
  // The interval's start decides its hour; 1970-01-01 was a Thursday, 72
  // hours after a Monday 00:00.
  const int64_t start = end_ms - int64_t{interval_s} * 1000 + int64_t{utc_offset_s} * 1000;
  const int64_t hours = FloorDiv(start, kHourMs) + 72;
  return static_cast<int>(hours - FloorDiv(hours, kBins) * kBins);
}

std::optional<double> ConsumptionDetector::ExpectedKwh(int bin,
                                                       const ConsumptionRules& rules) const {
  if (bin < 0 || bin >= kBins || count_[bin] == 0) return std::nullopt;
  return std::max(0.0, std::exp(UnpackLevel(level_[bin])) - Floor(rules));
}

std::optional<ConsumptionDetector::Judged> ConsumptionDetector::Reference(
    int bin, int64_t end_ms, const ConsumptionRules& rules) const {
  if (first_ms_ == INT64_MIN) return std::nullopt;
  const int64_t history = end_ms - first_ms_;
  if (history >= static_cast<int64_t>(rules.baseline_weeks * kWeekMs) &&
      count_[bin] >= kMinBinSamples) {
    return Judged{UnpackLevel(level_[bin]), UnpackSpread(spread_[bin]), High(bin)};
  }
  if (history >= static_cast<int64_t>(rules.window_hours * kHourMs)) {
    return Judged{roll_mean_, std::sqrt(roll_var_), AnyHourHigh()};
  }
  return std::nullopt;
}

void ConsumptionDetector::Learn(int bin, double y, double quarter_kwh, int interval_s,
                                const ConsumptionRules& rules) {
  // The rolling window: exponentially weighted over window_hours; the mean
  // energy over a week.
  const double a = std::min(1.0, interval_s / (rules.window_hours * 3600));
  if (first_ms_ == INT64_MIN) {
    roll_mean_ = static_cast<float>(y);
    roll_var_ = 0;
    mean_kwh_ = static_cast<float>(quarter_kwh);
  } else {
    const double b = std::min(1.0, interval_s / (7 * 24 * 3600.0));
    mean_kwh_ = static_cast<float>(mean_kwh_ + b * (quarter_kwh - mean_kwh_));
  }
  const int hour = bin % kHours;
  if (hour >= kNightFrom && hour < kNightTo) {
    if (night_kwh_ < 0) {
      night_kwh_ = static_cast<float>(quarter_kwh);
    } else {
      const double b =
          std::min(1.0, interval_s * 24.0 / (kNightTo - kNightFrom) / (7 * 24 * 3600.0));
      // Clipped, so a spike moves it little.
      const double x = std::min<double>(quarter_kwh, 3 * night_kwh_ + 0.01);
      night_kwh_ = static_cast<float>(night_kwh_ + b * (x - night_kwh_));
    }
  }
  if (first_ms_ != INT64_MIN) {
    const double d = y - roll_mean_;
    roll_mean_ = static_cast<float>(roll_mean_ + a * d);
    roll_var_ = static_cast<float>((1 - a) * (roll_var_ + a * d * d));
  }
  // The hour-of-week bin: Huber-clipped running level and spread, weighing
  // about the last history_weeks of the bin's samples.
  const int n = count_[bin];
  if (n == 0) {
    level_[bin] = PackLevel(y);
    spread_[bin] = PackSpread(std::max<double>(std::sqrt(roll_var_), rules.min_spread));
  } else {
    const double per_week = std::max(1.0, 3600.0 / interval_s);
    const double memory = std::max(1.0, rules.history_weeks * per_week);
    const double w = 1 / std::min<double>(n + 1, memory);
    const double level = UnpackLevel(level_[bin]), spread = UnpackSpread(spread_[bin]);
    const double clip = kClip * std::max(spread, rules.min_spread);
    const double r = y - level;
    level_[bin] = PackLevel(level + w * std::clamp(r, -clip, clip));
    spread_[bin] = PackSpread(spread + w * (kMadToSd * std::min(std::abs(r), clip) - spread));
  }
  if (count_[bin] < 255) ++count_[bin];
}

double ConsumptionDetector::High(int bin) const {
  const int16_t q = std::max(high_now_[bin % kHours], high_before_[bin % kHours]);
  return high_period_ == INT64_MIN || q == kNoHigh ? -INFINITY : UnpackLevel(q);
}

double ConsumptionDetector::AnyHourHigh() const {
  if (high_period_ == INT64_MIN) return -INFINITY;
  const int16_t q = std::max(*std::max_element(high_now_.begin(), high_now_.end()),
                             *std::max_element(high_before_.begin(), high_before_.end()));
  return q == kNoHigh ? -INFINITY : UnpackLevel(q);
}

void ConsumptionDetector::LearnHigh(int bin, double y, int64_t end_ms) {
  const int64_t period = FloorDiv(end_ms, kHighPeriodMs);
  if (period != high_period_) {
    if (period == high_period_ + 1) {
      high_before_ = high_now_;
    } else {
      high_before_.fill(kNoHigh);
    }
    high_now_.fill(kNoHigh);
    high_period_ = period;
  }
  int16_t& h = high_now_[bin % kHours];
  h = std::max(h, PackLevel(y));
}

std::optional<Verdict> ConsumptionDetector::Observe(int64_t end_ms, double energy_kwh,
                                                    int interval_s, const ConsumptionRules& rules,
                                                    std::string_view meter_id,
                                                    int32_t utc_offset_s) {
  if (!rules.enabled || interval_s <= 0 || !std::isfinite(energy_kwh) || energy_kwh < 0) {
    return std::nullopt;
  }
  if (held_.end_ms != INT64_MIN && end_ms <= held_.end_ms) return std::nullopt;
  const double quarter_kwh = energy_kwh * 900.0 / interval_s;
  std::optional<Verdict> verdict;
  float left = -1;
  if (held_.end_ms != INT64_MIN) {
    // The held interval's right neighbour, unless a gap (or a change of
    // interval length) lies between them.
    const bool adjacent =
        interval_s == held_.interval_s && end_ms - held_.end_ms == int64_t{interval_s} * 1000;
    verdict = Judge(adjacent ? quarter_kwh : -1, rules, meter_id);
    if (adjacent) left = held_.quarter_kwh;
  }
  held_ = Held{end_ms, static_cast<float>(quarter_kwh), left, interval_s,
               static_cast<int16_t>(HourOfWeek(end_ms, interval_s, utc_offset_s))};
  return verdict;
}

std::optional<Verdict> ConsumptionDetector::Judge(double right_kwh, const ConsumptionRules& rules,
                                                  std::string_view meter_id) {
  const int64_t end_ms = held_.end_ms;
  const int interval_s = held_.interval_s;
  const int bin = held_.bin;
  const double quarter_kwh = held_.quarter_kwh;
  const double floor = Floor(rules);
  const double y = std::log(quarter_kwh + floor);
  const std::optional<Judged> ref = Reference(bin, end_ms, rules);
  const double spread = ref ? std::max(ref->spread, rules.min_spread) : 0;
  const double z = ref ? (y - ref->expected_y) / spread : 0;
  const double expected_kwh = ref ? std::max(0.0, std::exp(ref->expected_y) - floor) : 0;
  const double neighbour = std::max<double>(held_.left_kwh, right_kwh);  // < 0: none
  const bool fired =
      ref && z > rules.warning_z && y - ref->expected_y >= std::log(rules.min_ratio) &&
      y - ref->peak_y >= std::log(rules.peak_ratio) &&
      (neighbour < 0 || y - std::log(neighbour + floor) >= std::log(rules.neighbour_ratio)) &&
      quarter_kwh - expected_kwh >= rules.min_excess_of_mean * Level() &&
      (night_kwh_ < 0 || expected_kwh >= kLowShare * night_kwh_ ||
       quarter_kwh - std::max<double>(neighbour, 0) >= kLowExcess * Level());
  Learn(bin, y, quarter_kwh, interval_s, rules);
  // A spike found does not raise the high it is judged against.
  if (!fired) LearnHigh(bin, y, end_ms);
  if (first_ms_ == INT64_MIN) first_ms_ = end_ms;
  if (!ref) return std::nullopt;

  Verdict verdict{"consumption_high", std::nullopt};
  if (!fired) return verdict;
  const double energy_kwh = quarter_kwh * interval_s / 900.0;
  alerts::Finding f;
  f.type = "consumption";
  f.rule = "consumption_high";
  f.severity = z > rules.critical_z ? alerts::Severity::kCritical : alerts::Severity::kWarning;
  f.source_kind = alerts::SourceKind::kMeter;
  f.source_id = std::string(meter_id);
  f.message = fmt::format(
      "consumption {:.4g} kWh in {} min, {:.3g} times the usual {:.4g} kWh at this hour of the "
      "week (z {:.3g} above {:.3g})",
      energy_kwh, interval_s / 60, (quarter_kwh + floor) / std::exp(ref->expected_y),
      expected_kwh * interval_s / 900.0, z,
      z > rules.critical_z ? rules.critical_z : rules.warning_z);
  f.at_ms = end_ms;
  f.value = energy_kwh;
  verdict.finding = std::move(f);
  return verdict;
}

}  // namespace metrify::detect
