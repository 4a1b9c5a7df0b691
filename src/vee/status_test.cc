#include "vee/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace metrify::vee {
namespace {

// Every value 0..255: a known one names itself and parses back; the rest
// name "unknown". Whatever the name table holds must match the enum exactly.
TEST(VeeStatus, EveryValueStatusRoundTrips) {
  int known = 0;
  for (int v = 0; v < 256; ++v) {
    auto status = static_cast<ValueStatus>(v);
    std::string_view name = ValueStatusName(status);
    if (name == "unknown") continue;
    ++known;
    EXPECT_LT(v, kValueStatuses) << name;
    EXPECT_EQ(ParseValueStatus(name), status) << name;
  }
  EXPECT_EQ(known, kValueStatuses);
  EXPECT_EQ(ValueStatusName(ValueStatus::kMeasured), "MEASURED");
  EXPECT_EQ(ValueStatusName(ValueStatus::kMissing), "MISSING");
}

TEST(VeeStatus, EveryRuleIdRoundTripsWithAUniqueName) {
  const std::set<int> declared = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                  11, 12, 13, 14, 15, 32, 33, 34, 35, 64};
  std::set<std::string_view> names;
  for (int v = 0; v < 256; ++v) {
    auto rule = static_cast<RuleId>(v);
    std::string_view name = RuleName(rule);
    EXPECT_EQ(name != "unknown", declared.count(v) == 1) << v;
    if (name == "unknown") continue;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(ParseRuleName(name), rule) << name;
  }
  EXPECT_EQ(RuleName(RuleId::kNegativeEnergy), "negative_energy");
  EXPECT_EQ(RuleName(RuleId::kManualEdit), "manual_edit");
}

TEST(VeeStatus, UnknownNamesParseToNothing) {
  for (std::string_view text : {"", "unknown", "measured value", "rangee", "linear "}) {
    EXPECT_EQ(ParseValueStatus(text), std::nullopt) << text;
    EXPECT_EQ(ParseRuleName(text), std::nullopt) << text;
  }
}

TEST(VeeStatus, NamesParseCaseInsensitively) {
  EXPECT_EQ(ParseValueStatus("estimated"), ValueStatus::kEstimated);
  EXPECT_EQ(ParseRuleName("SPIKE"), RuleId::kSpike);
}

TEST(VeeStatus, OnlyEstimationMethodsAreEstimationMethods) {
  for (int v = 0; v < 256; ++v) {
    auto rule = static_cast<RuleId>(v);
    bool method = rule == RuleId::kLinear || rule == RuleId::kSimilarDay ||
                  rule == RuleId::kProfile || rule == RuleId::kRegisterSpread;
    EXPECT_EQ(IsEstimationMethod(rule), method) << v;
  }
}

}  // namespace
}  // namespace metrify::vee
