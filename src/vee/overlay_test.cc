#include "vee/overlay.h"

#include <gtest/gtest.h>

#include <cmath>

namespace metrify::vee {
namespace {

TEST(Overlay, VerdictRoundTripsEveryStatusRuleAndBit) {
  for (int status = 0; status < kValueStatuses; ++status) {
    for (RuleId rule :
         {RuleId::kNone, RuleId::kSumCheck, RuleId::kRegisterSpread, RuleId::kManualEdit}) {
      ValidatedInterval row;
      row.status = static_cast<ValueStatus>(status);
      row.rule = rule;
      row.invalid_fields = 0xfff;
      row.fired = 0xffff;
      ValidatedInterval back;
      UnpackVerdict(PackVerdict(row), &back);
      EXPECT_EQ(back.status, row.status);
      EXPECT_EQ(back.rule, row.rule);
      EXPECT_EQ(back.invalid_fields, row.invalid_fields);
      EXPECT_EQ(back.fired, row.fired);
    }
  }
}

TEST(Overlay, SampleRoundTripAndPlainRows) {
  ValidatedInterval row;
  row.end_ms = 1736900100000;
  row.status = ValueStatus::kEstimated;
  row.rule = RuleId::kLinear;
  row.fired = 1u << static_cast<int>(RuleId::kGap);
  row.energy_kwh = 0.25;
  row.late_by_s = 3600;
  const engine::wal::WalSample s = ToOverlay(3, 900, row, NAN);
  engine::HeadSample h;
  h.timestamp_ms = s.timestamp_ms;
  h.present = s.present;
  h.values = s.values;
  const ValidatedInterval back = FromOverlay(h);
  EXPECT_EQ(back.end_ms, row.end_ms);
  EXPECT_EQ(back.status, row.status);
  EXPECT_EQ(back.rule, row.rule);
  EXPECT_EQ(back.fired, row.fired);
  EXPECT_DOUBLE_EQ(back.energy_kwh, 0.25);
  EXPECT_TRUE(std::isnan(back.register_kwh));
  EXPECT_EQ(back.late_by_s, 3600);

  ValidatedInterval measured;
  measured.status = ValueStatus::kMeasured;
  measured.energy_kwh = 0.25;
  EXPECT_TRUE(IsPlain(measured, 0.25));
  EXPECT_FALSE(IsPlain(measured, 0.26)) << "a derived or replaced energy";
  measured.late_by_s = 7200;  // the validator sets it only past the due time
  EXPECT_FALSE(IsPlain(measured, 0.25)) << "late";
}

}  // namespace
}  // namespace metrify::vee
