#include "detect/threshold_checks.h"

#include <gtest/gtest.h>

namespace metrify::detect {
namespace {

using alerts::Severity;
using engine::wal::WalSample;

WalSample Sample(std::initializer_list<std::pair<int, double>> fields, int64_t t = 1000) {
  WalSample s;
  s.timestamp_ms = t;
  s.values.fill(NAN);
  for (auto [i, v] : fields) {
    s.values[i] = v;
    s.present |= static_cast<uint16_t>(1u << i);
  }
  return s;
}

const Verdict* Find(const std::vector<Verdict>& v, std::string_view rule) {
  for (const Verdict& x : v) {
    if (x.rule == rule) return &x;
  }
  return nullptr;
}

class ThresholdChecks : public ::testing::Test {
 protected:
  DetectRules rules_ = *LoadDetectRules();
  std::vector<Verdict> out_;
};

TEST_F(ThresholdChecks, OvervoltageFiresWithValueAndLimit) {
  CheckReading(rules_.meter, Sample({{3, 258.2}}, 42), "SM1", &out_);
  ASSERT_EQ(out_.size(), 2u);  // voltage_high and voltage_low
  const Verdict* high = Find(out_, "voltage_high");
  ASSERT_TRUE(high && high->fired());
  EXPECT_EQ(high->finding->message, "voltage 258.2 V above 250 V");
  EXPECT_EQ(high->finding->type, "meter_rule");
  EXPECT_EQ(high->finding->source_id, "SM1");
  EXPECT_EQ(high->finding->at_ms, 42);
  EXPECT_EQ(high->finding->severity, Severity::kWarning);
  EXPECT_DOUBLE_EQ(high->finding->value, 258.2);
  EXPECT_FALSE(Find(out_, "voltage_low")->fired());  // judged and clear
}

TEST_F(ThresholdChecks, CurrentLimitFollowsADeclaredRatingAboveIt) {
  // A 250 A transformer-rated meter at 90 A is at work; at 240 A it is not.
  CheckReading(rules_.meter, Sample({{4, 90}}), "SM1", &out_, 250.0);
  ASSERT_NE(Find(out_, "current_high"), nullptr);
  EXPECT_FALSE(Find(out_, "current_high")->fired());
  out_.clear();
  CheckReading(rules_.meter, Sample({{4, 240}}), "SM1", &out_, 250.0);
  ASSERT_TRUE(Find(out_, "current_high")->fired());
  EXPECT_EQ(Find(out_, "current_high")->finding->message, "current 240 A above 225 A");
  // A 60 A household meter keeps the 80 A limit (0.9 x 60 is below it).
  out_.clear();
  CheckReading(rules_.meter, Sample({{4, 85}}), "SM1", &out_, 60.0);
  EXPECT_TRUE(Find(out_, "current_high")->fired());
  // Without a rating, 90 A is above 80 A.
  out_.clear();
  CheckReading(rules_.meter, Sample({{4, 90}}), "SM1", &out_);
  EXPECT_TRUE(Find(out_, "current_high")->fired());
  // of_rated 0 turns the rating off.
  rules_.meter.current_of_rated = 0;
  out_.clear();
  CheckReading(rules_.meter, Sample({{4, 90}}), "SM1", &out_, 250.0);
  EXPECT_TRUE(Find(out_, "current_high")->fired());
}

TEST_F(ThresholdChecks, AbsentFieldsAreNotJudged) {
  CheckReading(rules_.meter, Sample({{0, 0.3}}), "SM1", &out_);
  EXPECT_TRUE(out_.empty());
}

TEST_F(ThresholdChecks, AllClearWithinLimits) {
  CheckReading(rules_.meter,
               Sample({{3, 231}, {4, 10}, {5, 0.95}, {6, 50.01}, {7, 2.0}, {8, 0.65}}), "SM1",
               &out_);
  EXPECT_EQ(out_.size(), 6u);
  for (const Verdict& v : out_) EXPECT_FALSE(v.fired()) << v.rule;
}

TEST_F(ThresholdChecks, FrequencyWarningThenCritical) {
  CheckReading(rules_.meter, Sample({{6, 49.3}}), "SM1", &out_);
  ASSERT_TRUE(out_[0].fired());
  EXPECT_EQ(out_[0].finding->severity, Severity::kWarning);
  EXPECT_EQ(out_[0].finding->message, "frequency 49.3 Hz below 49.5 Hz");
  out_.clear();
  CheckReading(rules_.meter, Sample({{6, 48.7}}), "SM1", &out_);
  EXPECT_EQ(out_[0].finding->severity, Severity::kCritical);
  EXPECT_EQ(out_[0].finding->message, "frequency 48.7 Hz below 49 Hz");
  out_.clear();
  CheckReading(rules_.meter, Sample({{6, 51.2}}), "SM1", &out_);
  EXPECT_EQ(out_[0].finding->severity, Severity::kCritical);
}

TEST_F(ThresholdChecks, PowerFactorInconsistentWithPowers) {
  // P = 3, Q = 4: |P|/S = 0.6, the meter says 0.95.
  CheckReading(rules_.meter, Sample({{5, 0.95}, {7, 3}, {8, 4}}), "SM1", &out_);
  const Verdict* v = Find(out_, "power_factor_inconsistent");
  ASSERT_TRUE(v && v->fired());
  EXPECT_NEAR(v->finding->value, 0.35, 1e-9);
  out_.clear();
  CheckReading(rules_.meter, Sample({{5, 0.62}, {7, -3}, {8, 4}}), "SM1", &out_);
  EXPECT_FALSE(Find(out_, "power_factor_inconsistent")->fired());
  out_.clear();
  CheckReading(rules_.meter, Sample({{5, 0.62}, {7, 0}, {8, 0}}), "SM1", &out_);
  EXPECT_EQ(Find(out_, "power_factor_inconsistent"), nullptr);  // no load: not judged
}

TEST_F(ThresholdChecks, DisabledRuleIsNotJudged) {
  rules_.meter.voltage_high.enabled = false;
  CheckReading(rules_.meter, Sample({{3, 270}}), "SM1", &out_);
  EXPECT_EQ(Find(out_, "voltage_high"), nullptr);
}

TEST_F(ThresholdChecks, GridUtilisationFromRegistryCapacityOrAvailable) {
  // load 950 of a registry capacity of 1000: 95 %.
  CheckGridStatus(rules_.grid, Sample({{2, 950}, {5, 500}}), "TENNET", 1000.0, &out_);
  const Verdict* v = Find(out_, "utilisation_high");
  ASSERT_TRUE(v && v->fired());
  EXPECT_EQ(v->finding->message, "utilisation 95 % above 90 %");
  EXPECT_EQ(v->finding->type, "grid");
  EXPECT_EQ(v->finding->source_kind, alerts::SourceKind::kGridOperator);
  out_.clear();
  // No registry capacity: 950 / (950 + 500) = 65.5 %.
  CheckGridStatus(rules_.grid, Sample({{2, 950}, {5, 500}}), "TENNET", std::nullopt, &out_);
  EXPECT_FALSE(Find(out_, "utilisation_high")->fired());
}

TEST_F(ThresholdChecks, GridFrequencyVoltageStability) {
  CheckGridStatus(rules_.grid, Sample({{0, 50.25}, {1, 375}, {6, 0.6}}), "TENNET", std::nullopt,
                  &out_);
  EXPECT_TRUE(Find(out_, "frequency_out")->fired());
  EXPECT_EQ(Find(out_, "voltage_out")->finding->message, "voltage 375 kV below 380 kV");
  EXPECT_TRUE(Find(out_, "stability_low")->fired());
  EXPECT_EQ(Find(out_, "utilisation_high"), nullptr);
}

TEST_F(ThresholdChecks, Weather) {
  CheckObservation(rules_.weather, Sample({{0, -31}, {1, 96}, {2, 1013}, {3, 12}}), "WS1", &out_);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(Find(out_, "temperature_out")->finding->message, "temperature -31 °C below -30 °C");
  EXPECT_EQ(Find(out_, "temperature_out")->finding->type, "weather");
  EXPECT_TRUE(Find(out_, "humidity_high")->fired());
  EXPECT_FALSE(Find(out_, "pressure_out")->fired());
  EXPECT_FALSE(Find(out_, "wind_high")->fired());
}

}  // namespace
}  // namespace metrify::detect
