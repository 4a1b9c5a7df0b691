// Threshold checks (DESIGN.md §3 "Alert thresholds"): one sample of a meter,
// a grid operator or a weather station against the rules of its kind
// (detect_rules.h). Pure functions: no state, callable from any thread.
//
// Every rule that is enabled and whose input fields are present yields one
// Verdict: a Finding when the value is beyond its limit, else "clear" (the
// value was seen within limits), which the caller uses to auto-resolve an
// open alert. A rule whose fields are absent yields nothing: silence is
// not a recovery.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "detect/detect_rules.h"
#include "store/engine/wal/sample_batch.h"

namespace metrify::detect {

// One rule's judgement of one sample. `rule` points at static text (the
// rule's id in config/alert-rules.yaml); `finding` is set when it fired.
struct Verdict {
  std::string_view rule;
  std::optional<alerts::Finding> finding;

  bool fired() const { return finding.has_value(); }
};

// A meter reading (fields of model::SeriesKind::kReading): voltage_high,
// voltage_low, current_high, power_factor_low, frequency_out,
// power_factor_inconsistent (needs power_factor, active_power_kw and
// reactive_power_kvar, and a non-zero apparent power). Findings have type
// "meter_rule", source kind meter, source id `meter_id`, at_ms the sample's
// timestamp. Appends to *out.
// Each appends a Verdict per rule judged, fired or clear; with_clears
// false appends only those that fired (a caller with no use for clears).
// `rated_current_a`: the meter's rating, if it declares one (current_high
// then fires above max(above, current_of_rated x rating)).
void CheckReading(const MeterRules& rules, const engine::wal::WalSample& sample,
                  std::string_view meter_id, std::vector<Verdict>* out,
                  std::optional<double> rated_current_a = std::nullopt, bool with_clears = true);

// A grid operator's status (kGridStatus): utilisation_high (load_mw over
// `capacity_mw` from the registry when given and > 0, else over load_mw +
// available_capacity_mw), frequency_out, voltage_out, stability_low.
// Findings have type "grid", source kind grid_operator.
void CheckGridStatus(const GridRules& rules, const engine::wal::WalSample& sample,
                     std::string_view operator_id, std::optional<double> capacity_mw,
                     std::vector<Verdict>* out, bool with_clears = true);

// A weather observation (kObservation): temperature_out, humidity_high,
// pressure_out, wind_high. Findings have type "weather", source kind
// weather_station.
void CheckObservation(const WeatherRules& rules, const engine::wal::WalSample& sample,
                      std::string_view station_id, std::vector<Verdict>* out,
                      bool with_clears = true);

}  // namespace metrify::detect
