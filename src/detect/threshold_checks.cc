// One sample against threshold rules (threshold_checks.h). Field indices are
// the on-disk order of model/series.cc, fixed for good.
#include "detect/threshold_checks.h"

#include <fmt/format.h>

#include <cmath>

namespace metrify::detect {
namespace {

using alerts::Finding;
using alerts::Severity;
using alerts::SourceKind;
using engine::wal::WalSample;

// What a finding says about its value: "voltage", "V".
struct Subject {
  std::string_view type;  // Finding.type
  SourceKind kind;
  std::string_view source_id;
  int64_t at_ms;
  bool with_clears;  // false: only rules that fire are reported
};

struct Quantity {
  std::string_view rule;
  std::string_view label;
  std::string_view unit;  // with its leading space, or empty
};

bool Has(const WalSample& s, int field) { return (s.present >> field) & 1u; }

// `rule` against `value`: a Verdict, or nothing when the rule is off.
void Judge(const ThresholdRule& rule, const Quantity& q, double value, const Subject& subject,
           std::vector<Verdict>* out) {
  if (!rule.enabled || !std::isfinite(value)) return;
  Verdict verdict{q.rule, std::nullopt};
  const bool high =
      (rule.above && value > *rule.above) || (rule.critical_above && value > *rule.critical_above);
  const bool low =
      (rule.below && value < *rule.below) || (rule.critical_below && value < *rule.critical_below);
  if (!(high || low) && !subject.with_clears) return;
  if (high || low) {
    const bool critical = high ? rule.critical_above && value > *rule.critical_above
                               : rule.critical_below && value < *rule.critical_below;
    // The limit crossed: the critical one if beyond it, else the ordinary.
    double limit = 0;
    if (critical) {
      limit = high ? *rule.critical_above : *rule.critical_below;
    } else {
      limit = high ? *rule.above : *rule.below;
    }
    Finding f;
    f.type = std::string(subject.type);
    f.rule = std::string(q.rule);
    f.severity = critical ? Severity::kCritical : rule.severity;
    f.source_kind = subject.kind;
    f.source_id = std::string(subject.source_id);
    f.message = fmt::format("{} {:.5g}{} {} {:.5g}{}", q.label, value, q.unit,
                            high ? "above" : "below", limit, q.unit);
    f.at_ms = subject.at_ms;
    f.value = value;
    verdict.finding = std::move(f);
  }
  out->push_back(std::move(verdict));
}

void JudgeField(const ThresholdRule& rule, const Quantity& q, const WalSample& s, int field,
                const Subject& subject, std::vector<Verdict>* out) {
  if (Has(s, field)) Judge(rule, q, s.values[field], subject, out);
}

}  // namespace

void CheckReading(const MeterRules& rules, const WalSample& s, std::string_view meter_id,
                  std::vector<Verdict>* out, std::optional<double> rated_current_a,
                  bool with_clears) {
  enum { kVoltage = 3, kCurrent = 4, kPowerFactor = 5, kFrequency = 6, kActive = 7, kReactive = 8 };
  const Subject subject{"meter_rule", SourceKind::kMeter, meter_id, s.timestamp_ms, with_clears};
  JudgeField(rules.voltage_high, {"voltage_high", "voltage", " V"}, s, kVoltage, subject, out);
  JudgeField(rules.voltage_low, {"voltage_low", "voltage", " V"}, s, kVoltage, subject, out);
  if (rated_current_a && rules.current_of_rated > 0 && rules.current_high.above &&
      rules.current_of_rated * *rated_current_a > *rules.current_high.above) {
    ThresholdRule scaled = rules.current_high;
    scaled.above = rules.current_of_rated * *rated_current_a;
    JudgeField(scaled, {"current_high", "current", " A"}, s, kCurrent, subject, out);
  } else {
    JudgeField(rules.current_high, {"current_high", "current", " A"}, s, kCurrent, subject, out);
  }
  JudgeField(rules.power_factor_low, {"power_factor_low", "power factor", ""}, s, kPowerFactor,
             subject, out);
  JudgeField(rules.frequency_out, {"frequency_out", "frequency", " Hz"}, s, kFrequency, subject,
             out);
  if (!Has(s, kPowerFactor) || !Has(s, kActive) || !Has(s, kReactive)) return;
  const double apparent = std::hypot(s.values[kActive], s.values[kReactive]);
  if (!(apparent > 0)) return;  // no load: nothing to compare
  const double implied = std::abs(s.values[kActive]) / apparent;
  const double pf = s.values[kPowerFactor];
  const size_t before = out->size();
  Judge(rules.power_factor_inconsistent,
        {"power_factor_inconsistent", "power factor difference", ""}, std::abs(pf - implied),
        subject, out);
  if (out->size() > before && out->back().finding) {
    const ThresholdRule& r = rules.power_factor_inconsistent;
    out->back().finding->message = fmt::format(
        "power factor {:.3g} but active and reactive power give {:.3g} (difference {:.3g} above "
        "{:.3g})",
        pf, implied, std::abs(pf - implied), r.above.value_or(r.critical_above.value_or(0)));
  }
}

void CheckGridStatus(const GridRules& rules, const WalSample& s, std::string_view operator_id,
                     std::optional<double> capacity_mw, std::vector<Verdict>* out,
                     bool with_clears) {
  enum { kFrequency = 0, kVoltage = 1, kLoad = 2, kAvailable = 5, kStability = 6 };
  const Subject subject{"grid", SourceKind::kGridOperator, operator_id, s.timestamp_ms,
                        with_clears};
  if (Has(s, kLoad)) {
    const double load = s.values[kLoad];
    double capacity = NAN;
    if (capacity_mw && *capacity_mw > 0) {
      capacity = *capacity_mw;
    } else if (Has(s, kAvailable)) {
      capacity = load + s.values[kAvailable];
    }
    if (capacity > 0) {
      Judge(rules.utilisation_high, {"utilisation_high", "utilisation", " %"},
            100 * load / capacity, subject, out);
    }
  }
  JudgeField(rules.frequency_out, {"frequency_out", "frequency", " Hz"}, s, kFrequency, subject,
             out);
  JudgeField(rules.voltage_out, {"voltage_out", "voltage", " kV"}, s, kVoltage, subject, out);
  JudgeField(rules.stability_low, {"stability_low", "stability score", ""}, s, kStability, subject,
             out);
}

void CheckObservation(const WeatherRules& rules, const WalSample& s, std::string_view station_id,
                      std::vector<Verdict>* out, bool with_clears) {
  enum { kTemperature = 0, kHumidity = 1, kPressure = 2, kWind = 3 };
  const Subject subject{"weather", SourceKind::kWeatherStation, station_id, s.timestamp_ms,
                        with_clears};
  JudgeField(rules.temperature_out, {"temperature_out", "temperature", " °C"}, s, kTemperature,
             subject, out);
  JudgeField(rules.humidity_high, {"humidity_high", "humidity", " %"}, s, kHumidity, subject, out);
  JudgeField(rules.pressure_out, {"pressure_out", "pressure", " hPa"}, s, kPressure, subject, out);
  JudgeField(rules.wind_high, {"wind_high", "wind speed", " m/s"}, s, kWind, subject, out);
}

}  // namespace metrify::detect
