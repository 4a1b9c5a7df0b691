// The detection rules file: shipped values, layering, and problems as data
// (each names the source, the line and the key).
#include "detect/detect_rules.h"

#include <gtest/gtest.h>

namespace metrify::detect {
namespace {

using alerts::Severity;

TEST(DetectRules, ShippedValuesAreTheIssueThresholds) {
  Result<DetectRules> r = LoadDetectRules();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->meter.voltage_high.above, 250);
  EXPECT_EQ(r->meter.voltage_low.below, 200);
  EXPECT_EQ(r->meter.current_high.above, 80);
  EXPECT_EQ(r->meter.current_of_rated, 0.9);
  EXPECT_EQ(r->meter.power_factor_low.below, 0.7);
  EXPECT_EQ(r->meter.frequency_out.below, 49.5);
  EXPECT_EQ(r->meter.frequency_out.critical_above, 51);
  EXPECT_EQ(r->meter.power_factor_inconsistent.above, 0.1);
  EXPECT_EQ(r->grid.utilisation_high.above, 90);
  EXPECT_EQ(r->grid.voltage_out.below, 380);
  EXPECT_EQ(r->grid.stability_low.below, 0.7);
  EXPECT_EQ(r->weather.temperature_out.below, -30);
  EXPECT_EQ(r->weather.wind_high.above, 30);
  EXPECT_EQ(r->consumption.warning_z, 2);
  EXPECT_EQ(r->consumption.neighbour_ratio, 3);
  EXPECT_EQ(r->consumption.critical_z, 5);
  EXPECT_EQ(r->no_data.meter_ms, 4 * 3'600'000);
  EXPECT_EQ(r->no_data.grid_operator_ms, 30 * 60'000);
  EXPECT_EQ(r->no_data.LimitMs(alerts::SourceKind::kWeatherStation), 3 * 3'600'000);
  EXPECT_EQ(r->meter_faults.stuck_register.severity, Severity::kCritical);
  EXPECT_EQ(r->meter_faults.meter_reset.severity, Severity::kWarning);
  EXPECT_EQ(r->meter_faults.rollover_count, 2);
  EXPECT_EQ(r->auto_resolve.ForType("meter_rule"), 3'600'000);
  EXPECT_EQ(r->auto_resolve.ForType("meter_fault"), std::nullopt);
}

TEST(DetectRules, OperatorFileChangesOnlyWhatItNames) {
  Result<DetectRules> r = LoadDetectRules(
      "meter:\n  voltage_high: {above: 253, severity: critical}\n"
      "  current_high: {of_rated: 0}\n"
      "grid:\n  voltage_out: {below: null}\n"
      "consumption: {warning_z: 4}\nno_data: {meter_hours: 6}\n"
      "auto_resolve: {meter_fault: 24}\n",
      "ops.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->meter.voltage_high.above, 253);
  EXPECT_EQ(r->meter.voltage_high.severity, Severity::kCritical);
  EXPECT_TRUE(r->meter.voltage_high.enabled);
  EXPECT_EQ(r->meter.voltage_low.below, 200);  // untouched
  EXPECT_EQ(r->meter.current_of_rated, 0);
  EXPECT_EQ(r->meter.current_high.above, 80);
  EXPECT_FALSE(r->grid.voltage_out.below.has_value());
  EXPECT_EQ(r->grid.voltage_out.above, 420);
  EXPECT_EQ(r->consumption.warning_z, 4);
  EXPECT_EQ(r->consumption.critical_z, 5);
  EXPECT_EQ(r->no_data.meter_ms, 6 * 3'600'000);
  EXPECT_EQ(r->auto_resolve.meter_fault_ms, 24 * 3'600'000);
}

TEST(DetectRules, ApplyLeavesRulesUnchangedOnError) {
  DetectRules rules = *LoadDetectRules();
  Status s = ApplyDetectRulesYaml("meter:\n  voltage_high: {above: 1}\n  bogus: 1\n", "x", &rules);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(rules.meter.voltage_high.above, 250);
}

struct ErrorCase {
  std::string_view yaml;
  std::string_view message;
};

// clang-format off
const ErrorCase kErrorCases[] = {
    {"meter: [1, 2\n", "ops.yaml line 2: invalid YAML"},
    {"version: 2\n", "ops.yaml line 1: version: this Metrify reads version 1, got \"2\""},
    {"meters: {}\n", "ops.yaml line 1: meters: unknown key; did you mean \"meter\"?"},
    {"meter:\n  voltage_hgh: {}\n", "ops.yaml line 2: meter.voltage_hgh: unknown key; did you mean \"voltage_high\"?"},
    {"meter:\n  voltage_high:\n    above: high\n", "ops.yaml line 3: meter.voltage_high.above: must be a number or null, got \"high\""},
    {"meter:\n  voltage_high: {severity: loud}\n", "meter.voltage_high.severity: must be INFO, WARNING or CRITICAL, got \"loud\""},
    {"meter:\n  voltage_high: {enabled: maybe}\n", "meter.voltage_high.enabled: must be true or false"},
    {"meter:\n  voltage_high: 250\n", "ops.yaml line 2: meter.voltage_high: expected a map of enabled, severity, above, below"},
    {"meter:\n  frequency_out: {critical_above: 50}\n", "ops.yaml line 2: meter.frequency_out: critical_above 50 is under above 50.5"},
    {"grid:\n  voltage_out: {below: 430}\n", "grid.voltage_out: below 430 must be under above 420"},
    {"consumption: {warning_z: 6}\n", "consumption: warning_z 6 is above critical_z 5"},
    {"consumption: {min_ratio: 0.5}\n", "consumption.min_ratio: must be a number >= 1, got \"0.5\""},
    {"consumption: {neighbour_ratio: 0.9}\n",
     "consumption.neighbour_ratio: must be a number >= 1, got \"0.9\""},
    {"consumption: {min_excess_of_mean: -1}\n",
     "consumption.min_excess_of_mean: must be a number >= 0, got \"-1\""},
    {"consumption: {min_excess_kwh: 0.3}\n", "consumption.min_excess_kwh: unknown key"},
    {"no_data: {meter_hours: -1}\n", "no_data.meter_hours: must be hours >= 0, got \"-1\""},
    {"meter_fault:\n  repeated_rollovers: {count: 0}\n", "meter_fault.repeated_rollovers.count: must be a whole number from 1 to 8"},
    {"auto_resolve: {weather: soon}\n", "auto_resolve.weather: must be hours >= 0 or null, got \"soon\""},
    {"weather:\n  wind_high: {above: 30}\n  wind_high: {above: 31}\n", "ops.yaml line 3: weather.wind_high: given more than once"},
};
// clang-format on

TEST(DetectRules, ProblemsNameSourceLineKeyAndWhat) {
  for (const ErrorCase& c : kErrorCases) {
    Result<DetectRules> r = LoadDetectRules(c.yaml, "ops.yaml");
    ASSERT_FALSE(r.has_value()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.yaml << "\n  got: " << r.error().message() << "\n  want: " << c.message;
  }
}

TEST(DetectRules, EveryProblemIsReportedAtOnce) {
  Result<DetectRules> r = LoadDetectRules("meter:\n  current_high: {above: x}\nbanana: 1\n", "f");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("f line 2: meter.current_high.above"), std::string::npos);
  EXPECT_NE(r.error().message().find("f line 3: banana: unknown key"), std::string::npos);
}

}  // namespace
}  // namespace metrify::detect
