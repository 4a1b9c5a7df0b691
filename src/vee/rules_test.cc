// The shipped rules file and layering (docs/vee.md "Rules file"). Error
// messages are in rules_file_test.cc.
#include "vee/rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "vee/rule_settings.h"
#include "vee/rules_file.h"
#include "vee/status.h"

namespace metrify::vee {
namespace {

using model::SeriesKind;

// DESIGN.md §3's plausibility ranges, restated here on purpose: the shipped
// file must match them and RuleSet's member defaults.
struct DesignRange {
  SeriesKind kind;
  std::string_view field;
  std::optional<double> min, max;
};
const DesignRange kDesignRanges[] = {
    {SeriesKind::kReading, "energy_kwh", 0, std::nullopt},
    {SeriesKind::kReading, "energy_export_kwh", 0, std::nullopt},
    {SeriesKind::kReading, "register_kwh", 0, std::nullopt},
    {SeriesKind::kReading, "voltage_v", 0, 300},
    {SeriesKind::kReading, "current_a", 0, 200},
    {SeriesKind::kReading, "power_factor", 0, 1},
    {SeriesKind::kReading, "frequency_hz", 45, 55},
    {SeriesKind::kGridStatus, "frequency_hz", 45, 55},
    {SeriesKind::kGridStatus, "voltage_kv", 0, 500},
    {SeriesKind::kGridStatus, "load_mw", 0, std::nullopt},
    {SeriesKind::kGridStatus, "generation_mw", 0, std::nullopt},
    {SeriesKind::kGridStatus, "renewable_share_pct", 0, 100},
    {SeriesKind::kGridStatus, "available_capacity_mw", 0, std::nullopt},
    {SeriesKind::kGridStatus, "stability_score", 0, 1},
    {SeriesKind::kObservation, "temperature_c", -50, 60},
    {SeriesKind::kObservation, "humidity_pct", 0, 100},
    {SeriesKind::kObservation, "pressure_hpa", 800, 1100},
    {SeriesKind::kObservation, "wind_speed_ms", 0, 75},
    {SeriesKind::kObservation, "wind_direction_deg", 0, 360},
    {SeriesKind::kObservation, "cloud_cover_pct", 0, 100},
    {SeriesKind::kObservation, "solar_radiation_wm2", 0, std::nullopt},
    {SeriesKind::kObservation, "precipitation_mm", 0, std::nullopt},
    {SeriesKind::kObservation, "visibility_km", 0, std::nullopt},
};

RuleSet DesignDefaults() {
  RuleSet rules;
  for (const DesignRange& r : kDesignRanges) {
    auto field = model::SeriesFieldIndex(r.kind, r.field);
    EXPECT_TRUE(field.has_value()) << r.field;
    rules.ranges[static_cast<int>(r.kind)][field.value_or(0)] = Range{r.min, r.max};
  }
  return rules;
}

std::string RangeName(SeriesKind kind, int field) {
  return std::string(model::SeriesKindName(kind)) + "." +
         std::string(model::SeriesFields(kind)[field].name);
}

// Field by field, so a failure names what differs.
void ExpectSameRules(const RuleSet& got, const RuleSet& want) {
  for (const RuleSetting& s : RuleSettings()) {
    EXPECT_EQ(RuleSettingText(s, got), RuleSettingText(s, want)) << s.Path();
  }
  for (SeriesKind kind : kRangeKinds) {
    const int k = static_cast<int>(kind);
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      EXPECT_EQ(RangeText(got.ranges[k][f]), RangeText(want.ranges[k][f])) << RangeName(kind, f);
    }
  }
  EXPECT_TRUE(got == want);
}

RulesConfig MustParse(std::string_view yaml) {
  Result<RulesConfig> config = RulesConfig::Parse(yaml, "rules.yaml");
  EXPECT_TRUE(config.has_value()) << config.status().message();
  return config ? *config : RulesConfig::Defaults();
}

TEST(VeeRulesDefaults, EqualRuleSetDefaultsPlusDesignRanges) {
  for (std::string_view type : {"electricity", "gas", "water", "heat", ""}) {
    SCOPED_TRACE(type);
    ExpectSameRules(RulesConfig::Defaults().For(type, "SM000001"), DesignDefaults());
  }
}

TEST(VeeRulesDefaults, ShippedFileNamesEverySettingAndField) {
  Result<RulesFile> file = ParseRulesFile(ShippedRulesYaml(), "vee-rules.yaml");
  ASSERT_TRUE(file.has_value()) << file.status().message();
  for (size_t i = 0; i < RuleSettings().size(); ++i) {
    EXPECT_TRUE((file->defaults.settings >> i) & 1u) << "missing " << RuleSettings()[i].Path();
  }
  for (SeriesKind kind : kRangeKinds) {
    for (size_t f = 0; f < model::SeriesFields(kind).size(); ++f) {
      EXPECT_TRUE((file->defaults.ranges[static_cast<int>(kind)] >> f) & 1u)
          << "missing range " << RangeName(kind, static_cast<int>(f));
    }
  }
  EXPECT_TRUE(file->meter_types.empty());
  EXPECT_TRUE(file->meters.empty());
}

// The build embeds config/vee-rules.yaml; a stale build would test old text.
TEST(VeeRulesDefaults, EmbeddedTextIsTheFileInTheTree) {
  std::ifstream in(std::string(METRIFY_SOURCE_DIR) + "/config/vee-rules.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), ShippedRulesYaml());
}

TEST(VeeRulesDefaults, SectionsAreRuleNamesOrGroups) {
  for (std::string_view section : RuleSections()) {
    if (section == "daily" || section == "estimation") continue;
    EXPECT_TRUE(ParseRuleName(section).has_value()) << section;
  }
}

// Every setting reads back what it prints and refuses text of another kind.
TEST(VeeRulesDefaults, EverySettingRoundTripsItsText) {
  const RuleSet defaults = RulesConfig::Defaults().For("electricity", "");
  for (const RuleSetting& s : RuleSettings()) {
    RuleSet rules;
    EXPECT_EQ(ParseRuleSetting(s, RuleSettingText(s, defaults), rules), "") << s.Path();
    EXPECT_EQ(RuleSettingText(s, rules), RuleSettingText(s, defaults)) << s.Path();
    EXPECT_NE(ParseRuleSetting(s, "abc", rules), "") << s.Path();
  }
}

TEST(VeeRulesDefaults, ActionNamesRoundTrip) {
  for (RuleAction action : {RuleAction::kOff, RuleAction::kFlag, RuleAction::kInvalid}) {
    EXPECT_EQ(ParseRuleAction(RuleActionName(action)), action);
  }
  EXPECT_EQ(ParseRuleAction("INVALID"), RuleAction::kInvalid);
  EXPECT_EQ(ParseRuleAction("warn"), std::nullopt);
}

constexpr std::string_view kLayered = R"(
version: 1
defaults:
  spike: { factor: 8 }
meter_types:
  gas:
    spike: { action: flag, min_kwh: 0.5 }
meters:
  SM1:
    spike: { factor: 12 }
  SM2:
    range:
      reading: { voltage_v: [0, 260] }
)";

TEST(VeeRulesLayering, FileDefaultsOverrideTheShippedOnes) {
  RuleSet want = RulesConfig::Defaults().For("electricity", "x");
  want.spike_factor = 8;
  ExpectSameRules(MustParse(kLayered).For("electricity", "x"), want);
}

TEST(VeeRulesLayering, SharedRuleSetsArePerTypeUnlessAMeterHasItsOwn) {
  const RulesConfig config = MustParse(kLayered);
  const auto a = config.Shared("gas", "G1");
  const auto b = config.Shared("gas", "G2");
  EXPECT_EQ(a.get(), b.get()) << "one copy per type";
  ExpectSameRules(*a, config.For("gas", "G1"));
  EXPECT_NE(config.Shared("electricity", "E1").get(), a.get());
  const auto own = config.Shared("electricity", "SM1");
  EXPECT_NE(own.get(), config.Shared("electricity", "E1").get());
  EXPECT_EQ(own->spike_factor, 12);
  const RulesConfig copy = config;  // copies share what was made
  EXPECT_EQ(copy.Shared("gas", "G3").get(), a.get());
}

TEST(VeeRulesLayering, MeterTypeOverridesOnlyTheKeysItNames) {
  RuleSet want = RulesConfig::Defaults().For("gas", "x");
  want.spike_factor = 8;
  want.spike = RuleAction::kFlag;
  want.spike_min_kwh = 0.5;
  ExpectSameRules(MustParse(kLayered).For("gas", "x"), want);
}

TEST(VeeRulesLayering, MeterEntryKeepsItsTypesOtherKeys) {
  RulesConfig config = MustParse(kLayered);
  RuleSet gas = config.For("gas", "SM1");
  EXPECT_EQ(gas.spike_factor, 12);
  EXPECT_EQ(gas.spike, RuleAction::kFlag);  // from meter_types.gas
  EXPECT_EQ(gas.spike_min_kwh, 0.5);
  RuleSet electricity = config.For("electricity", "SM1");
  EXPECT_EQ(electricity.spike_factor, 12);
  EXPECT_EQ(electricity.spike, RuleAction::kInvalid);  // shipped default
}

TEST(VeeRulesLayering, OneFieldsRangeLeavesTheOthers) {
  RuleSet want = MustParse(kLayered).For("electricity", "x");
  const int voltage = *model::SeriesFieldIndex(SeriesKind::kReading, "voltage_v");
  want.ranges[static_cast<int>(SeriesKind::kReading)][voltage] = Range{0, 260};
  ExpectSameRules(MustParse(kLayered).For("electricity", "SM2"), want);
}

TEST(VeeRulesLayering, MeterTypeMatchesCaseInsensitivelyAndUnknownTypesGetDefaults) {
  RulesConfig config = MustParse(kLayered);
  EXPECT_EQ(config.For("GAS", "x").spike, RuleAction::kFlag);
  ExpectSameRules(config.For("solar", "x"), config.For("electricity", "x"));
}

TEST(VeeRulesLayering, EmptyFileAndEmptySectionsChangeNothing) {
  for (std::string_view yaml : {"", "# nothing\n", "version: 1\ndefaults:\nmeter_types:\nmeters:\n",
                                "meters:\n  SM1: {}\n"}) {
    SCOPED_TRACE(yaml);
    ExpectSameRules(MustParse(yaml).For("electricity", "SM1"),
                    RulesConfig::Defaults().For("electricity", "SM1"));
  }
}

TEST(VeeRulesLayering, NullBoundsOpenARangeOrRemoveIt) {
  RulesConfig config = MustParse(
      "defaults:\n  range:\n    reading:\n      voltage_v: [null, 280]\n"
      "      current_a: [null, null]\n");
  RuleSet rules = config.For("electricity", "x");
  const auto& reading = rules.ranges[static_cast<int>(SeriesKind::kReading)];
  EXPECT_EQ(RangeText(reading[*model::SeriesFieldIndex(SeriesKind::kReading, "voltage_v")]),
            "[null, 280]");
  EXPECT_EQ(reading[*model::SeriesFieldIndex(SeriesKind::kReading, "current_a")], std::nullopt);
}

TEST(VeeRulesLayering, ActionsAndBooleansParse) {
  RuleSet rules = MustParse(
                      "meters:\n  SM1:\n    zero_streak: { action: off }\n"
                      "    estimation: { enabled: no }\n")
                      .For("electricity", "SM1");
  EXPECT_EQ(rules.zero_streak, RuleAction::kOff);
  EXPECT_FALSE(rules.estimate);
}

TEST(VeeRulesLoad, ReadsAFile) {
  std::string path = testing::TempDir() + "vee_rules_load_test.yaml";
  std::ofstream(path) << "defaults:\n  flat_line: { intervals: 8 }\n";
  Result<RulesConfig> config = RulesConfig::Load(path);
  ASSERT_TRUE(config.has_value()) << config.status().message();
  EXPECT_EQ(config->For("water", "x").flat_line_intervals, 8);
  std::filesystem::remove(path);
}

TEST(VeeRulesLoad, ErrorsNameThePath) {
  std::string path = testing::TempDir() + "vee_rules_bad_test.yaml";
  std::ofstream(path) << "defaults:\n  flat_line: { intervals: 1 }\n";
  Result<RulesConfig> config = RulesConfig::Load(path);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.error().message(),
            path + " line 2: defaults.flat_line.intervals: must be a whole number >= 2, got \"1\"");
  std::filesystem::remove(path);
}

TEST(VeeRulesLoad, MissingFileIsIOErrorNamingThePath) {
  std::string path = testing::TempDir() + "no-such-dir/vee-rules.yaml";
  Result<RulesConfig> config = RulesConfig::Load(path);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code(), StatusCode::kIOError);
  EXPECT_NE(config.error().message().find(path), std::string::npos) << config.error().message();
}

}  // namespace
}  // namespace metrify::vee
