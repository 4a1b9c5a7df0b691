// The validated view, rollups over it and manual edits through the API of a
// real `metrify serve` with VEE on (docs/vee.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr std::string_view kMeters = "/api/v1/smart-meters";
constexpr int64_t kQ = 900'000;
constexpr int64_t kT0 = 1741564800000;  // 2025-03-10T00:00:00Z
constexpr std::string_view kDay = "start=2025-03-10T00:00:00Z&end=2025-03-11T00:00:00Z";

// Readings i in [first, last] of a meter drawing 0.25 kWh a quarter hour,
// its register counting from 1000 kWh; `energy` overrides some energies.
std::string Csv(const std::string& meter, int first, int last, std::set<int> skip = {},
                std::map<int, double> energy = {}) {
  std::string csv = "meter_id,timestamp,energy_kwh,register_kwh\n";
  for (int i = first; i <= last; ++i) {
    if (skip.count(i)) continue;
    const double kwh = energy.count(i) ? energy[i] : 0.25;
    csv += fmt::format("{},{},{},{}\n", meter, kT0 + i * kQ, kwh, 1000 + 0.25 * i);
  }
  return csv;
}

class ValidatedReadingsTest : public ServerTest {
 protected:
  void Meter(const std::string& id) {
    ASSERT_EQ(Post(kMeters, R"({"id":")" + id +
                                R"(","timezone":"UTC","register_digits":8,"register_decimals":3})")
                  .status,
              201);
  }
  void Send(const std::string& csv) {
    TestResponse r = Post("/api/v1/readings", csv, "text/csv");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JsonDoc(r.body).Int("/rejected"), 0) << r.body;
  }
  JsonDoc Readings(const std::string& meter, std::string_view params) {
    TestResponse r = Get(std::string(kMeters) + "/" + meter + "/readings?" + std::string(params));
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
  // The validated reading of `meter` ending at kT0 + i quarter hours once
  // VEE has given it `status` (it validates beside the requests).
  JsonDoc WaitFor(const std::string& meter, int i, std::string_view status) {
    const std::string params = fmt::format("start={}&end={}", kT0 + i * kQ, kT0 + i * kQ + 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      JsonDoc doc = Readings(meter, params);
      if (doc.Size("/readings") == 1 && doc.String("/readings/0/status") == status) return doc;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << meter << " interval " << i << " never became " << status;
    return Readings(meter, params);
  }
  static std::string Pointer(int i, std::string_view member) {
    return fmt::format("/readings/{}/{}", i, member);
  }
};

TEST_F(ValidatedReadingsTest, GapsAndInvalidValuesAreEstimatedAndTheRawIsKept) {
  Meter("VAL-1");
  // A day with 10:15-11:00 missing and -0.3 kWh at 16:00.
  Send(Csv("VAL-1", 1, 96, {41, 42, 43, 44}, {{64, -0.3}}));
  WaitFor("VAL-1", 64, "ESTIMATED");
  WaitFor("VAL-1", 42, "ESTIMATED");

  JsonDoc day = Readings("VAL-1", kDay);
  EXPECT_EQ(day.String("/version"), "validated");
  // One per interval ending in [00:00, 24:00) from the first reading (00:15), the gap included.
  ASSERT_EQ(day.Int("/count"), 95);
  for (int i : {40, 41, 42, 43}) {  // intervals 41..44 at indices 40..43
    EXPECT_EQ(day.String(Pointer(i, "status")), "ESTIMATED") << i;
    // The registers bracket the gap: their rise is spread over it.
    EXPECT_EQ(day.String(Pointer(i, "method")), "register_spread") << i;
    EXPECT_NEAR(day.Number(Pointer(i, "energy_kwh")), 0.25, 1e-9) << i;
    EXPECT_EQ(day.String(Pointer(i, "tier")), "POOR") << i;  // 0.54
  }
  EXPECT_EQ(day.String(Pointer(63, "status")), "ESTIMATED");
  EXPECT_THAT(day.Raw(Pointer(63, "fired")), HasSubstr("negative_energy"));
  EXPECT_GE(day.Number(Pointer(63, "energy_kwh")), 0);
  EXPECT_EQ(day.String(Pointer(0, "status")), "MEASURED");
  EXPECT_FALSE(day.Has(Pointer(0, "rule")));

  // The raw view is what the meter sent.
  JsonDoc raw = Readings("VAL-1", std::string(kDay) + "&version=raw");
  EXPECT_EQ(raw.String("/version"), "raw");
  EXPECT_EQ(raw.Int("/count"), 91);
  EXPECT_DOUBLE_EQ(raw.Number("/readings/59/energy_kwh"), -0.3);
  EXPECT_FALSE(raw.Has("/readings/0/status"));
}

TEST_F(ValidatedReadingsTest, RollupsCountEstimatesAndReportTheShares) {
  Meter("VAL-2");
  Send(Csv("VAL-2", 1, 96, {41, 42, 43, 44}, {{64, -0.3}}));
  WaitFor("VAL-2", 64, "ESTIMATED");
  WaitFor("VAL-2", 42, "ESTIMATED");
  JsonDoc daily = Readings("VAL-2", std::string(kDay) + "&interval=1d&fields=energy_kwh");
  ASSERT_EQ(daily.Size("/buckets"), 1u);
  EXPECT_NEAR(daily.Number("/buckets/0/energy_kwh"), 24.0, 1e-6);
  EXPECT_EQ(daily.Int("/buckets/0/expected"), 96);
  EXPECT_NEAR(daily.Number("/buckets/0/shares/measured"), 91.0 / 96, 1e-9);
  EXPECT_NEAR(daily.Number("/buckets/0/shares/estimated"), 5.0 / 96, 1e-9);
  EXPECT_EQ(daily.Number("/buckets/0/shares/missing"), 0);
  // The raw rollup adds what the meter sent, the negative value included.
  JsonDoc raw = Readings("VAL-2", std::string(kDay) + "&interval=1d&version=raw");
  EXPECT_NEAR(raw.Number("/buckets/0/energy_kwh"), 91 * 0.25 - 0.3, 1e-6);
  EXPECT_FALSE(raw.Has("/buckets/0/shares"));
}

TEST_F(ValidatedReadingsTest, FleetConsumptionAddsUpTheValidatedView) {
  Meter("VAL-7");
  Meter("VAL-8");
  Send(Csv("VAL-7", 1, 96, {41, 42, 43, 44}, {{64, -0.3}}));
  Send(Csv("VAL-8", 1, 96));
  WaitFor("VAL-7", 64, "ESTIMATED");
  WaitFor("VAL-7", 42, "ESTIMATED");
  const std::string base =
      "/api/v1/analytics/consumption?meter_ids=VAL-7,VAL-8&tz=UTC&" + std::string(kDay);
  JsonDoc validated(Get(base).body);
  EXPECT_EQ(validated.String("/version"), "validated");
  EXPECT_EQ(validated.String("/groups/0/group"), "all");
  ASSERT_EQ(validated.Size("/groups/0/buckets"), 1u) << validated.text();
  EXPECT_NEAR(validated.Number("/groups/0/buckets/0/energy_kwh"), 48.0, 1e-6);
  EXPECT_EQ(validated.Int("/groups/0/buckets/0/count"), 192);
  EXPECT_EQ(validated.Int("/groups/0/buckets/0/expected"), 192);
  EXPECT_NEAR(validated.Number("/groups/0/buckets/0/shares/estimated"), 5.0 / 192, 1e-9);
  EXPECT_NEAR(validated.Number("/groups/0/buckets/0/shares/measured"), 187.0 / 192, 1e-9);
  EXPECT_EQ(validated.Number("/groups/0/buckets/0/shares/missing"), 0);
  // Per meter, and the raw sum with the negative value and without the gap.
  JsonDoc per_meter(Get(base + "&group_by=meter").body);
  EXPECT_NEAR(per_meter.Number("/groups/0/buckets/0/energy_kwh"), 24.0, 1e-6);
  JsonDoc raw(Get(base + "&version=raw").body);
  EXPECT_NEAR(raw.Number("/groups/0/buckets/0/energy_kwh"), 48.0 - 5 * 0.25 - 0.3, 1e-6);
  EXPECT_EQ(raw.Int("/groups/0/buckets/0/count"), 188);
  EXPECT_FALSE(raw.Has("/groups/0/buckets/0/shares"));
}

// A reading 20 s off the grid stands for its interval (within the 60 s
// clock skew tolerance); one 5 min off is refused as misaligned and its
// interval estimated. The fleet total counts each interval once, as the
// meter's own validated day does, though raw rollups see the readings where
// they were stamped.
TEST_F(ValidatedReadingsTest, FleetConsumptionCountsAnOffGridReadingOnce) {
  Meter("VAL-9");
  std::string csv = Csv("VAL-9", 1, 96, {10, 20});
  csv += fmt::format("VAL-9,{},0.25,{}\n", kT0 + 10 * kQ + 20'000, 1000 + 0.25 * 10);
  csv += fmt::format("VAL-9,{},0.5,{}\n", kT0 + 20 * kQ - 300'000, 1000 + 0.25 * 20);
  Send(csv);
  JsonDoc refused = WaitFor("VAL-9", 20, "ESTIMATED");
  EXPECT_EQ(refused.String("/readings/0/method"), "register_spread");
  EXPECT_EQ(WaitFor("VAL-9", 10, "MEASURED").Number("/readings/0/energy_kwh"), 0.25);
  JsonDoc day = Readings("VAL-9", std::string(kDay) + "&interval=1d&fields=energy_kwh");
  ASSERT_EQ(day.Size("/buckets"), 1u) << day.text();
  EXPECT_NEAR(day.Number("/buckets/0/energy_kwh"), 24.0, 1e-6);
  EXPECT_NEAR(day.Number("/buckets/0/shares/estimated"), 1.0 / 96, 1e-9);

  const std::string base =
      "/api/v1/analytics/consumption?meter_ids=VAL-9&tz=UTC&" + std::string(kDay);
  JsonDoc fleet(Get(base).body);
  ASSERT_EQ(fleet.Size("/groups/0/buckets"), 1u) << fleet.text();
  EXPECT_NEAR(fleet.Number("/groups/0/buckets/0/energy_kwh"), 24.0, 1e-6);
  EXPECT_EQ(fleet.Int("/groups/0/buckets/0/count"), 96);
  EXPECT_NEAR(fleet.Number("/groups/0/buckets/0/shares/measured"), 95.0 / 96, 1e-9);
  EXPECT_NEAR(fleet.Number("/groups/0/buckets/0/shares/estimated"), 1.0 / 96, 1e-9);
  // Raw: the readings as sent, the refused 0.5 kWh included.
  JsonDoc raw(Get(base + "&version=raw").body);
  EXPECT_NEAR(raw.Number("/groups/0/buckets/0/energy_kwh"), 24.25, 1e-6);
  EXPECT_EQ(raw.Int("/groups/0/buckets/0/count"), 96);
}

TEST_F(ValidatedReadingsTest, AGapNothingFillsIsMissingAndCountsAsMissing) {
  Meter("VAL-3");
  // No registers and three days apart: too long for a line, no history.
  std::string csv = "meter_id,timestamp,energy_kwh\n";
  csv += fmt::format("VAL-3,{},0.25\n", kT0 + kQ);
  csv += fmt::format("VAL-3,{},0.25\n", kT0 + 96 * 3 * kQ);
  Send(csv);
  JsonDoc daily = Readings("VAL-3", std::string(kDay) + "&interval=1d");
  ASSERT_EQ(daily.Size("/buckets"), 1u);
  EXPECT_NEAR(daily.Number("/buckets/0/shares/missing"), 95.0 / 96, 1e-9);
  JsonDoc raw = Readings("VAL-3", "start=2025-03-10T00:00:00Z&end=2025-03-10T01:00:00Z");
  EXPECT_EQ(raw.Int("/count"), 3);  // 00:15 (the first reading), 00:30, 00:45
  EXPECT_EQ(raw.String(Pointer(1, "status")), "MISSING");
  EXPECT_FALSE(raw.Has(Pointer(1, "energy_kwh")));
}

TEST_F(ValidatedReadingsTest, AnEditIsShownAuditedAndLeavesTheRawAlone) {
  Meter("VAL-4");
  Send(Csv("VAL-4", 1, 96));
  const std::string target = std::string(kMeters) + "/VAL-4/readings/2025-03-10T12:00:00Z";
  TestResponse put =
      Put(target,
          R"({"energy_kwh":0.5,"reason":"read on site after a display fault","edited_by":"jo"})");
  ASSERT_EQ(put.status, 200) << put.body;
  JsonDoc edit(put.body);
  EXPECT_EQ(edit.String("/edit/old/status"), "MEASURED");
  EXPECT_DOUBLE_EQ(edit.Number("/edit/old/energy_kwh"), 0.25);
  EXPECT_DOUBLE_EQ(edit.Number("/edit/energy_kwh"), 0.5);
  EXPECT_TRUE(edit.IsNull("/edit/register_kwh"));
  EXPECT_EQ(edit.String("/reading/status"), "EDITED");
  EXPECT_EQ(edit.String("/reading/rule"), "manual_edit");

  JsonDoc noon = WaitFor("VAL-4", 48, "EDITED");
  EXPECT_DOUBLE_EQ(noon.Number("/readings/0/energy_kwh"), 0.5);
  JsonDoc raw =
      Readings("VAL-4", "version=raw&start=2025-03-10T12:00:00Z&end=2025-03-10T12:00:01Z");
  EXPECT_DOUBLE_EQ(raw.Number("/readings/0/energy_kwh"), 0.25);
  JsonDoc daily = Readings("VAL-4", std::string(kDay) + "&interval=1d&fields=energy_kwh");
  EXPECT_NEAR(daily.Number("/buckets/0/energy_kwh"), 24.25, 1e-6);
  EXPECT_NEAR(daily.Number("/buckets/0/shares/edited"), 1.0 / 96, 1e-9);

  // A second edit: both are in the audit log, the newest in force.
  ASSERT_EQ(Put(target, R"({"energy_kwh":0.3,"reason":"second reading","edited_by":"kim"})").status,
            200);
  JsonDoc log(Get(std::string(kMeters) + "/VAL-4/edits").body);
  ASSERT_EQ(log.Int("/count"), 2);
  EXPECT_EQ(log.String("/edits/0/edited_by"), "jo");
  EXPECT_EQ(log.String("/edits/1/reason"), "second reading");
  EXPECT_EQ(log.String("/edits/1/old/status"), "EDITED");
  EXPECT_DOUBLE_EQ(log.Number("/edits/1/old/energy_kwh"), 0.5);
  EXPECT_EQ(log.String("/edits/1/timestamp"), "2025-03-10T12:00:00Z");
  EXPECT_DOUBLE_EQ(Readings("VAL-4", "start=2025-03-10T12:00:00Z&end=2025-03-10T12:00:01Z")
                       .Number("/readings/0/energy_kwh"),
                   0.3);
}

TEST_F(ValidatedReadingsTest, BadEditsAndVersionsAreRefusedNamingTheProblem) {
  Meter("VAL-5");
  const std::string base = std::string(kMeters) + "/VAL-5/readings/";
  TestResponse no_reason = Put(base + "2025-03-10T12:00:00Z", R"({"energy_kwh":0.5})");
  EXPECT_TRUE(IsApiError(no_reason, 422, "validation_failed")) << no_reason.body;
  EXPECT_THAT(ErrorDetails(no_reason), Contains("reason:required"));
  EXPECT_THAT(ErrorDetails(no_reason), Contains("edited_by:required"));
  TestResponse no_value = Put(base + "2025-03-10T12:00:00Z", R"({"reason":"x","edited_by":"y"})");
  EXPECT_THAT(ErrorDetails(no_value), Contains("energy_kwh:required"));
  TestResponse negative =
      Put(base + "2025-03-10T12:00:00Z", R"({"energy_kwh":-1,"reason":"x","edited_by":"y"})");
  EXPECT_THAT(ErrorDetails(negative), Contains("energy_kwh:invalid_value"));
  const std::string ok = R"({"energy_kwh":0.5,"reason":"x","edited_by":"y"})";
  EXPECT_THAT(ErrorDetails(Put(base + "2025-03-10T12:05:00Z", ok)),
              Contains("timestamp:misaligned"));
  EXPECT_THAT(ErrorDetails(Put(base + "2099-01-01T00:00:00Z", ok)), Contains("timestamp:future"));
  EXPECT_THAT(ErrorDetails(Put(base + "noon", ok)), Contains("timestamp:invalid_timestamp"));
  EXPECT_TRUE(IsApiError(Put(std::string(kMeters) + "/NOPE/readings/2025-03-10T12:00:00Z", ok), 404,
                         "not_found"));
  EXPECT_EQ(JsonDoc(Get(std::string(kMeters) + "/VAL-5/edits").body).Int("/count"), 0)
      << "nothing refused was recorded";
  TestResponse version = Get(std::string(kMeters) + "/VAL-5/readings?version=both");
  EXPECT_THAT(ErrorDetails(version), Contains("version:invalid_choice"));
}

TEST_F(ValidatedReadingsTest, ALateReadingReplacesItsEstimate) {
  Meter("VAL-6");
  Send(Csv("VAL-6", 1, 40, {20}));
  WaitFor("VAL-6", 20, "ESTIMATED");
  Send(Csv("VAL-6", 20, 20));
  JsonDoc late = WaitFor("VAL-6", 20, "MEASURED");
  EXPECT_DOUBLE_EQ(late.Number("/readings/0/energy_kwh"), 0.25);
}

}  // namespace
}  // namespace metrify::test
