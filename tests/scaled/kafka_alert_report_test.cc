// The alert report of metrify.alerts (queue/alert_report.h): what an ingest
// worker's detection sends the monitor reads back the same, and anything
// else is refused with a reason.
#include "queue/alert_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace metrify::queue {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

alerts::Finding Voltage(std::string meter, int64_t at_ms, double volts) {
  alerts::Finding f;
  f.type = "meter_rule";
  f.rule = "voltage_high";
  f.severity = alerts::Severity::kWarning;
  f.source_kind = alerts::SourceKind::kMeter;
  f.source_id = std::move(meter);
  f.message = "voltage above 250 V";
  f.at_ms = at_ms;
  f.value = volts;
  return f;
}

TEST(AlertReportTest, FindingsAndClearsRoundTrip) {
  AlertReport report{alerts::SourceKind::kMeter,
                     "SM1",
                     {Voltage("SM1", 1'000, 260.25)},
                     {{alerts::SourceKind::kMeter, "SM1", "voltage_high", 2'000}}};
  const std::string json = EncodeAlertReport(report);
  Result<AlertReport> back = DecodeAlertReport(json);
  ASSERT_TRUE(back.has_value()) << back.status().message();
  EXPECT_EQ(back->source_kind, alerts::SourceKind::kMeter);
  EXPECT_EQ(back->source_id, "SM1");
  ASSERT_EQ(back->findings.size(), 1u);
  const alerts::Finding& f = back->findings[0];
  EXPECT_EQ(f.type, "meter_rule");
  EXPECT_EQ(f.rule, "voltage_high");
  EXPECT_EQ(f.severity, alerts::Severity::kWarning);
  EXPECT_EQ(f.source_id, "SM1") << "set from the report";
  EXPECT_EQ(f.message, "voltage above 250 V");
  EXPECT_EQ(f.at_ms, 1'000);
  EXPECT_EQ(f.value, 260.25);
  ASSERT_EQ(back->clears.size(), 1u);
  EXPECT_EQ(back->clears[0].source_id, "SM1");
  EXPECT_EQ(back->clears[0].rule, "voltage_high");
  EXPECT_EQ(back->clears[0].at_ms, 2'000);
}

TEST(AlertReportTest, AFindingWithoutValueLeavesItOut) {
  alerts::Finding silent = Voltage("TENNET", 5, NAN);
  silent.source_kind = alerts::SourceKind::kGridOperator;
  const std::string json =
      EncodeAlertReport({alerts::SourceKind::kGridOperator, "TENNET", {silent}, {}});
  EXPECT_THAT(json, Not(HasSubstr("value")));
  Result<AlertReport> back = DecodeAlertReport(json);
  ASSERT_TRUE(back.has_value()) << back.status().message();
  EXPECT_EQ(back->findings[0].source_kind, alerts::SourceKind::kGridOperator);
  EXPECT_TRUE(std::isnan(back->findings[0].value));
}

TEST(AlertReportTest, WhatIsNoReportIsRefusedWithItsReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"[]", "not a JSON object"},
      {R"({"source_kind":"moon","source_id":"x","findings":[],"clears":[]})", "source_kind"},
      {R"({"source_kind":"meter","source_id":"","findings":[],"clears":[]})", "source_id"},
      {R"({"source_kind":"meter","source_id":"SM1","clears":[]})", "findings must be an array"},
      {R"({"source_kind":"meter","source_id":"SM1","findings":[{"type":"t","rule":"r",)"
       R"("severity":"LOUD","message":"m","at":1}],"clears":[]})",
       "findings[0].severity"},
      {R"({"source_kind":"meter","source_id":"SM1","findings":[],"clears":[{"rule":"r"}]})",
       "clears[0].at"},
  };
  for (const auto& [json, reason] : cases) {
    Result<AlertReport> decoded = DecodeAlertReport(json);
    ASSERT_FALSE(decoded.has_value()) << json;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(decoded.status().message(), HasSubstr(reason)) << json;
  }
}

TEST(AlertReportTest, GroupingKeepsEachSourcesOrder) {
  const alerts::Finding findings[] = {Voltage("SM1", 1, 251), Voltage("SM2", 2, 252),
                                      Voltage("SM1", 3, 253)};
  const alerts::Clear clears[] = {{alerts::SourceKind::kMeter, "SM2", "voltage_high", 4}};
  std::vector<AlertReport> reports = GroupBySource(findings, clears);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].source_id, "SM1");
  ASSERT_EQ(reports[0].findings.size(), 2u);
  EXPECT_EQ(reports[0].findings[1].at_ms, 3);
  EXPECT_EQ(reports[1].source_id, "SM2");
  EXPECT_EQ(reports[1].clears.size(), 1u);
}

}  // namespace
}  // namespace metrify::queue
