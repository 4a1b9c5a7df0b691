// The detection rules (docs/alerts.md; DESIGN.md §3 "Alert thresholds"):
// which conditions on plausible values raise findings, how severe they are
// and when a condition counts as over. All of it is data: the shipped file
// config/alert-rules.yaml (compiled in) sets every value, and an operator's
// file layered over it changes only the keys it names.
//
// Thread safety: DetectRules is a plain value; loading is a pure function.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "alerts/alert.h"
#include "common/result.h"

namespace metrify::detect {

// One threshold on one value. The rule fires when the value is above
// `above` or below `below` (an unset side is open) with `severity`; beyond
// `critical_above` / `critical_below` it fires CRITICAL instead.
struct ThresholdRule {
  bool enabled = true;
  alerts::Severity severity = alerts::Severity::kWarning;
  std::optional<double> above, below;
  std::optional<double> critical_above, critical_below;
};

// Meter readings (Finding.type "meter_rule").
struct MeterRules {
  ThresholdRule voltage_high, voltage_low;  // voltage_v, V
  ThresholdRule current_high;               // current_a, A
  // For a meter that declares its rated current, current_high fires above
  // this share of the rating when that is more than `above` (a 250 A
  // industrial meter at 90 A is at work, not in trouble); 0: never.
  double current_of_rated = 0.9;
  ThresholdRule power_factor_low;  // power_factor
  ThresholdRule frequency_out;     // frequency_hz, Hz
  // |power_factor - |P| / sqrt(P² + Q²)| from active and reactive power.
  ThresholdRule power_factor_inconsistent;
};

// Grid operators' status (Finding.type "grid").
struct GridRules {
  // load_mw / capacity_mw in %; without a capacity from the registry,
  // load / (load + available_capacity_mw).
  ThresholdRule utilisation_high;
  ThresholdRule frequency_out;  // Hz
  ThresholdRule voltage_out;    // kV
  ThresholdRule stability_low;  // stability_score, 0-1
};

// Weather stations' observations (Finding.type "weather").
struct WeatherRules {
  ThresholdRule temperature_out;  // °C
  ThresholdRule humidity_high;    // %
  ThresholdRule pressure_out;     // hPa
  ThresholdRule wind_high;        // m/s
};

// A meter's interval energy against its own history (consumption_detector.h
// says how each setting is used).
struct ConsumptionRules {
  bool enabled = true;
  double warning_z = 2, critical_z = 5;  // z-score of log energy
  // A finding also needs the energy at least min_ratio × the expected value
  // and min_excess_of_mean × the meter's level above it (a gate scaled to
  // the meter, so small households' night spikes count too).
  double min_ratio = 3.8, min_excess_of_mean = 2;
  // ... and at least peak_ratio × the highest value of its hour of the day
  // (any day of the week) in the last two to four weeks.
  double peak_ratio = 1.5;
  // ... and at least neighbour_ratio × the larger of its two neighbours (a
  // spike is one interval; a cloudy PV import or a busy hour lasts longer).
  double neighbour_ratio = 3;
  // Added before the log, per quarter hour, so near-zero nights stay calm:
  // floor_kwh, or floor_of_mean × the meter's mean quarter hour if more.
  double floor_kwh = 0.02, floor_of_mean = 0.25;
  double min_spread = 0.2;    // floor of the spread (log units, ~relative)
  double window_hours = 24;   // the rolling window before the baseline is ready
  double baseline_weeks = 2;  // weeks of history before the time-of-week baseline judges
  double history_weeks = 4;   // the baseline's memory
};

// Sources that stopped sending (Finding.type and rule "no_data").
struct NoDataRules {
  bool enabled = true;
  alerts::Severity severity = alerts::Severity::kWarning;
  // Silence limits per source kind, ms of data time.
  int64_t meter_ms = 4 * 3'600'000LL;
  int64_t grid_operator_ms = 30 * 60'000LL;
  int64_t weather_station_ms = 3 * 3'600'000LL;

  int64_t LimitMs(alerts::SourceKind kind) const;
};

// Meter hardware seen by VEE (Finding.type "meter_fault").
struct FaultRule {
  bool enabled = true;
  alerts::Severity severity = alerts::Severity::kCritical;
};
struct MeterFaultRules {
  FaultRule stuck_register;  // flat_line fired, or the register stood still ...
  int stuck_intervals = 4;   // ... this many intervals in a row while energy was counted
  FaultRule meter_reset{true, alerts::Severity::kWarning};  // reset fired
  FaultRule repeated_rollovers;                             // rollover fired ...
  int rollover_count = 2;                                   // ... this many times (1-8)
  int64_t rollover_window_ms = 30 * 86'400'000LL;           // ... within this
};

// How long (data time) a condition must stay clear before its open alert
// resolves by itself, per family; nullopt: never (a person resolves it).
struct AutoResolve {
  std::optional<int64_t> meter_rule_ms, consumption_ms, no_data_ms, meter_fault_ms, grid_ms,
      weather_ms;

  // By Finding.type; nullopt for an unknown type.
  std::optional<int64_t> ForType(std::string_view type) const;
};

struct DetectRules {
  MeterRules meter;
  GridRules grid;
  WeatherRules weather;
  ConsumptionRules consumption;
  NoDataRules no_data;
  MeterFaultRules meter_faults;
  AutoResolve auto_resolve;
};

// The shipped rules, then `operator_yaml` (if not empty) over them;
// `source` names the operator's file in messages.
// Errors: InvalidArgument, one line per problem, each
// "<source> line <n>: <key path>: <what>", e.g.
// `alert-rules.yaml line 4: meter.voltage_high.above: must be a number, got "high"`.
// Unknown keys, values of the wrong kind and contradictions (critical_above
// below above, warning_z above critical_z) are problems.
Result<DetectRules> LoadDetectRules(std::string_view operator_yaml = {},
                                    std::string_view source = "alert-rules.yaml");

// Applies one file's keys over *rules (unchanged on error). Errors as above.
Status ApplyDetectRulesYaml(std::string_view yaml, std::string_view source, DetectRules* rules);

// The text of config/alert-rules.yaml, compiled in (CMakeLists.txt).
std::string_view ShippedAlertRulesYaml();

}  // namespace metrify::detect
