#include "detect/meter_faults.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace metrify::detect {
namespace {

using vee::RuleId;
using vee::ValidatedInterval;
constexpr int64_t kDay = 86'400'000;

ValidatedInterval Row(int64_t end_ms, std::initializer_list<RuleId> fired = {}) {
  ValidatedInterval r;
  r.end_ms = end_ms;
  r.energy_kwh = 0.2;
  r.register_kwh = 1234.5;
  r.status = vee::ValueStatus::kMeasured;
  for (RuleId id : fired) r.fired |= 1u << static_cast<int>(id);
  return r;
}

const Verdict* Find(const std::vector<Verdict>& v, std::string_view rule) {
  for (const Verdict& x : v) {
    if (x.rule == rule) return &x;
  }
  return nullptr;
}

class MeterFaultsTest : public ::testing::Test {
 protected:
  std::vector<Verdict> Observe(std::vector<ValidatedInterval> rows) {
    std::vector<Verdict> out;
    faults_.Observe(rows, rules_, "SM9", &out);
    return out;
  }
  MeterFaults faults_;
  MeterFaultRules rules_ = LoadDetectRules()->meter_faults;
};

TEST_F(MeterFaultsTest, CleanWindowClearsEveryRule) {
  std::vector<Verdict> v = Observe({Row(1), Row(2)});
  ASSERT_EQ(v.size(), 3u);
  for (const Verdict& x : v) EXPECT_FALSE(x.fired()) << x.rule;
}

TEST_F(MeterFaultsTest, WindowWithoutMeasuredRowsSaysNothing) {
  ValidatedInterval missing = Row(1);
  missing.status = vee::ValueStatus::kMissing;
  EXPECT_TRUE(Observe({missing}).empty());
}

TEST_F(MeterFaultsTest, FlatLineIsAStuckRegister) {
  std::vector<Verdict> v = Observe({Row(1), Row(2, {RuleId::kFlatLine}), Row(3)});
  const Verdict* stuck = Find(v, "stuck_register");
  ASSERT_TRUE(stuck && stuck->fired());
  EXPECT_EQ(stuck->finding->type, "meter_fault");
  EXPECT_EQ(stuck->finding->severity, alerts::Severity::kCritical);
  EXPECT_EQ(stuck->finding->at_ms, 2);
  EXPECT_EQ(stuck->finding->source_id, "SM9");
  EXPECT_FALSE(Find(v, "meter_reset")->fired());
}

// Rows of a meter whose register stands at 500 kWh from interval `from` on
// while each counts `kwh` (before it the register moves with the energy).
std::vector<ValidatedInterval> Standing(int first, int last, int from, double kwh) {
  std::vector<ValidatedInterval> rows;
  for (int i = first; i <= last; ++i) {
    ValidatedInterval r = Row(int64_t{i} * 900'000);
    r.energy_kwh = kwh;
    r.register_kwh = 500 - kwh * std::max(0, from - i);
    rows.push_back(r);
  }
  return rows;
}

TEST_F(MeterFaultsTest, ARegisterStandingWhileEnergyIsCountedIsStuck) {
  // Interval 10 reaches 500 kWh; 11, 12, 13 stand: three, not yet four.
  std::vector<Verdict> out = Observe(Standing(1, 13, 10, 0.2));
  ASSERT_NE(Find(out, "stuck_register"), nullptr);
  EXPECT_FALSE(Find(out, "stuck_register")->fired());
  // The run goes on in the next window.
  out = Observe(Standing(14, 15, 10, 0.2));
  const Verdict* stuck = Find(out, "stuck_register");
  ASSERT_TRUE(stuck && stuck->fired());
  EXPECT_EQ(stuck->finding->at_ms, 15 * 900'000);  // the newest standing row
  EXPECT_EQ(stuck->finding->severity, alerts::Severity::kCritical);
  EXPECT_NE(stuck->finding->message.find("register stuck at 500 kWh"), std::string::npos)
      << stuck->finding->message;
}

TEST_F(MeterFaultsTest, AStandingRegisterWithoutEnergyIsAMeterAtRest) {
  // A prosumer importing nothing at noon: register and energy agree.
  std::vector<Verdict> out = Observe(Standing(1, 20, 5, 0.0));
  ASSERT_NE(Find(out, "stuck_register"), nullptr);
  EXPECT_FALSE(Find(out, "stuck_register")->fired());
}

TEST_F(MeterFaultsTest, AWindowValidatedAgainStartsTheRunOver) {
  Observe(Standing(1, 13, 10, 0.2));  // three standing
  // VEE validates the day again from interval 1: the run is not counted twice.
  std::vector<Verdict> out = Observe(Standing(1, 12, 10, 0.2));
  EXPECT_FALSE(Find(out, "stuck_register")->fired());
}

TEST_F(MeterFaultsTest, ResetIsAWarning) {
  std::vector<Verdict> v = Observe({Row(5, {RuleId::kReset})});
  const Verdict* reset = Find(v, "meter_reset");
  ASSERT_TRUE(reset && reset->fired());
  EXPECT_EQ(reset->finding->severity, alerts::Severity::kWarning);
}

TEST_F(MeterFaultsTest, RolloversRepeatedWithinTheWindow) {
  std::vector<Verdict> v = Observe({Row(kDay, {RuleId::kRollover})});
  EXPECT_FALSE(Find(v, "repeated_rollovers")->fired());  // one is normal
  // The same window again (VEE re-validated it): still one.
  v = Observe({Row(kDay, {RuleId::kRollover})});
  EXPECT_FALSE(Find(v, "repeated_rollovers")->fired());
  v = Observe({Row(10 * kDay, {RuleId::kRollover})});
  const Verdict* r = Find(v, "repeated_rollovers");
  ASSERT_TRUE(r && r->fired());
  EXPECT_EQ(r->finding->value, 2);
  // 40 days later the earlier ones are out of the 30-day window.
  v = Observe({Row(50 * kDay, {RuleId::kRollover})});
  EXPECT_FALSE(Find(v, "repeated_rollovers")->fired());
}

TEST_F(MeterFaultsTest, DisabledRulesAreSkipped) {
  rules_.stuck_register.enabled = false;
  std::vector<Verdict> v = Observe({Row(2, {RuleId::kFlatLine})});
  EXPECT_EQ(Find(v, "stuck_register"), nullptr);
  EXPECT_EQ(v.size(), 2u);
}

}  // namespace
}  // namespace metrify::detect
