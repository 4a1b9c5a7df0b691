// Problems in a rules file, as data: each case is a file and a fragment its
// message must contain. Every message names the source and the line.
#include "vee/rules_file.h"

#include <gtest/gtest.h>

#include "vee/rules.h"

namespace metrify::vee {
namespace {

struct ErrorCase {
  std::string_view yaml;
  std::string_view message;  // a fragment of the error
};

// clang-format off
const ErrorCase kErrorCases[] = {
    // YAML syntax.
    {"defaults:\n  spike: [1, 2\n", "invalid YAML"},
    // Shape.
    {"- a\n- b\n", "rules.yaml line 1: expected a map with version, defaults, meter_types, meters, got a list"},
    {"defaults:\n  spike: off\n",
     "rules.yaml line 2: defaults.spike: expected a map of settings (action, factor, typical_factor, min_kwh), got a single value"},
    {"meters:\n  SM1: 5\n", "rules.yaml line 2: meters.SM1: expected a map of rules, got a single value"},
    {"defaults:\n  spike: { factor: 2 }\n  spike: { factor: 3 }\n",
     "rules.yaml line 3: defaults.spike: given more than once"},
    {"version: 2\n", "rules.yaml line 1: version: this Metrify reads version 1, got \"2\""},
    // Unknown keys: a suggestion when close, else the known ones.
    {"rules: {}\n", "rules.yaml line 1: rules: unknown key; known: version, defaults, meter_types, meters"},
    {"defaults:\n  spkie: {}\n", "rules.yaml line 2: defaults.spkie: unknown rule; did you mean \"spike\"?"},
    {"defaults:\n  ranges: {}\n", "defaults.ranges: unknown rule; did you mean \"range\"?"},
    {"defaults:\n  banana: {}\n", "defaults.banana: unknown rule; known: range, negative_energy, zero_streak"},
    {"defaults:\n  spike: { facter: 3 }\n", "defaults.spike.facter: unknown key; did you mean \"factor\"?"},
    {"defaults:\n  spike: { threshold: 3 }\n",
     "defaults.spike.threshold: unknown key; known: action, factor, typical_factor, min_kwh"},
    {"defaults:\n  range: { weather: {} }\n",
     "defaults.range.weather: unknown key; known: action, nominal_voltage_v, rating_factor, reading, grid_status, observation"},
    // Unknown fields, per kind.
    {"defaults:\n  range:\n    reading: { voltag_v: [0, 1] }\n",
     "rules.yaml line 3: defaults.range.reading.voltag_v: unknown reading field; did you mean \"voltage_v\"?"},
    {"defaults:\n  range:\n    observation: { voltage_v: [0, 1] }\n",
     "defaults.range.observation.voltage_v: unknown observation field; known: temperature_c, humidity_pct"},
    {"meters:\n  SM1:\n    range:\n      grid_status: { load_mw: [0, 1] }\n",
     "rules.yaml line 4: meters.SM1.range.grid_status: only reading ranges apply to meters"},
    // Meter types.
    {"meter_types:\n  solar: {}\n", "rules.yaml line 2: meter_types.solar: unknown meter type; known: electricity, gas, water, heat"},
    {"meter_types:\n  gass: {}\n", "meter_types.gass: unknown meter type; did you mean \"gas\"?"},
    // Ranges.
    {"defaults:\n  range:\n    reading:\n      voltage_v: [300, 0]\n",
     "rules.yaml line 4: defaults.range.reading.voltage_v: min 300 is above max 0"},
    {"defaults:\n  range:\n    reading: { voltage_v: 300 }\n",
     "defaults.range.reading.voltage_v: must be [min, max] with null for an open bound, got \"300\""},
    {"defaults:\n  range:\n    reading: { voltage_v: [0, 1, 2] }\n", "got a list of 3"},
    {"defaults:\n  range:\n    reading: { voltage_v: [0, high] }\n",
     "defaults.range.reading.voltage_v: max must be a number or null, got \"high\""},
    // Values.
    {"defaults:\n  spike:\n    factor: abc\n", "rules.yaml line 3: defaults.spike.factor: must be a number > 1, got \"abc\""},
    {"defaults:\n  spike: { factor: 1 }\n", "defaults.spike.factor: must be a number > 1, got \"1\""},
    {"defaults:\n  spike: { factor: [1, 2] }\n", "defaults.spike.factor: must be a number > 1, got a list"},
    {"defaults:\n  zero_streak: { intervals: -3 }\n",
     "defaults.zero_streak.intervals: must be a whole number >= 1, got \"-3\""},
    {"defaults:\n  zero_streak: { intervals: 1.5 }\n", "must be a whole number >= 1, got \"1.5\""},
    {"defaults:\n  future: { tolerance_s: -1 }\n", "defaults.future.tolerance_s: must be a whole number >= 0"},
    {"defaults:\n  sum_check: { tolerance_pct: 150 }\n", "must be a number from 0 to 100, got \"150\""},
    {"defaults:\n  daily_low: { factor: 2 }\n", "must be a number > 0 and <= 1, got \"2\""},
    {"defaults:\n  estimation: { enabled: maybe }\n",
     "defaults.estimation.enabled: must be true or false, got \"maybe\""},
    {"defaults:\n  spike: { action: warn }\n", "defaults.spike.action: must be off, flag or invalid, got \"warn\""},
    {"defaults:\n  spike:\n    action:\n", "defaults.spike.action: must be off, flag or invalid, got nothing"},
    {"meter_types:\n  gas:\n    spike: { action: block }\n", "rules.yaml line 3: meter_types.gas.spike.action: must be off"},
};
// clang-format on

TEST(VeeRulesErrors, EachProblemIsNamedWithSourceLineAndKey) {
  for (const ErrorCase& c : kErrorCases) {
    SCOPED_TRACE(c.yaml);
    Result<RulesConfig> config = RulesConfig::Parse(c.yaml, "rules.yaml");
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
    const std::string& message = config.error().message();
    EXPECT_TRUE(message.starts_with("rules.yaml line ")) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
  }
}

TEST(VeeRulesErrors, EveryProblemOfAFileIsReported) {
  Result<RulesFile> file = ParseRulesFile(
      "defaults:\n  spike: { factor: 0 }\nmeter_types:\n  solar: {}\nmeters:\n"
      "  SM1: { flat_line: { intervals: x } }\n",
      "rules.yaml");
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().message(),
            "rules.yaml line 2: defaults.spike.factor: must be a number > 1, got \"0\"\n"
            "rules.yaml line 4: meter_types.solar: unknown meter type; known: electricity, gas, "
            "water, heat\n"
            "rules.yaml line 6: meters.SM1.flat_line.intervals: must be a whole number >= 2, got "
            "\"x\"");
}

}  // namespace
}  // namespace metrify::vee
