// Quality reports through the real server: readings ingested, validated by
// VEE, and reported per local day (a gap estimated, DST days of 92 and 100
// quarter hours complete), daily_high / daily_low against the usual day,
// late data and edits in the next report, the fleet summary per group, and
// the parameter errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "support/api_fixture.h"
#include "support/quality_data.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int64_t kMar28 = 1743120000000;  // 2025-03-28T00:00:00Z
constexpr int64_t kOct25 = 1761350400000;  // 2025-10-25T00:00:00Z
constexpr int64_t kJun01 = 1748736000000;  // 2025-06-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;

// Figures are rounded to 1e-9 in answers.
class QualityApiTest : public ServerTest {
 protected:
  void Meter(std::string_view id, std::string_view extra = "") {
    const std::string body = "{\"id\":\"" + std::string(id) + "\"" +
                             (extra.empty() ? "" : "," + std::string(extra)) + "}";
    ASSERT_EQ(Post(kMeters, body).status, 201) << body;
  }
  void Ingest(const std::string& ndjson) { IngestReadings(http(), ndjson); }
  JsonDoc Report(std::string_view meter, std::string_view params) {
    TestResponse r =
        Get("/api/v1/quality/meters/" + std::string(meter) + "?" + std::string(params));
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
  JsonDoc Summary(std::string_view params) {
    TestResponse r = Get("/api/v1/quality/summary?" + std::string(params));
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
};

// Berlin, 2025-03-29 to 2025-03-31: a normal day with three quarter hours
// missing (VEE estimates them linearly), the spring DST day (92) and a
// normal day, each counted against its own number of intervals.
TEST_F(QualityApiTest, ReportPerLocalDayCountsAGapAndTheSpringDstDay) {
  Meter("QA-DAYS");
  const int64_t from = kMar28 + 23 * kHour;             // 2025-03-29T00:00+01:00
  const int64_t to = kMar28 + 3 * kDayMs + 22 * kHour;  // 2025-04-01T00:00+02:00
  const int64_t gap = kMar28 + kDayMs + 10 * kHour;     // 2025-03-29T10:00Z
  Ingest(CycleReadings("QA-DAYS", from, to, 1,
                       {gap + kQuarterMs, gap + 2 * kQuarterMs, gap + 3 * kQuarterMs}));
  WaitForValidation(http());

  JsonDoc r = Report("QA-DAYS", "start=2025-03-29&end=2025-04-01");
  EXPECT_EQ(r.String("/meter_id"), "QA-DAYS");
  EXPECT_EQ(r.String("/timezone"), "Europe/Berlin");
  EXPECT_EQ(r.String("/first_day"), "2025-03-29");
  EXPECT_EQ(r.String("/last_day"), "2025-03-31");
  EXPECT_EQ(r.String("/start"), "2025-03-28T23:00:00Z");
  EXPECT_EQ(r.String("/end"), "2025-03-31T22:00:00Z");
  ASSERT_EQ(r.Size("/days"), 3u) << r.text();

  EXPECT_EQ(r.String("/days/0/date"), "2025-03-29");
  EXPECT_EQ(r.Int("/days/0/intervals"), 96);
  EXPECT_EQ(r.Int("/days/0/expected"), 96);
  EXPECT_EQ(r.Int("/days/0/measured"), 93);
  EXPECT_EQ(r.Int("/days/0/estimated"), 3);
  EXPECT_EQ(r.Int("/days/0/missing"), 0);
  EXPECT_NEAR(r.Number("/days/0/shares/estimated"), 3.0 / 96, 1e-9);
  EXPECT_NEAR(r.Number("/days/0/completeness"), 93.0 / 96, 1e-9);
  EXPECT_EQ(r.Number("/days/0/validity"), 1);
  EXPECT_EQ(r.Number("/days/0/timeliness"), 1);
  EXPECT_LT(r.Number("/days/0/quality"), 1);
  EXPECT_GT(r.Number("/days/0/quality"), 0.9);
  EXPECT_EQ(r.Int("/days/0/rules_fired/gap"), 3);
  EXPECT_EQ(r.Int("/days/0/methods/linear"), 3);
  EXPECT_NEAR(r.Number("/days/0/energy_kwh"), 24, 0.05) << "estimates included";
  EXPECT_FALSE(r.Bool("/days/0/complete"));
  EXPECT_EQ(r.Size("/days/0/below"), 0u);

  EXPECT_EQ(r.String("/days/1/date"), "2025-03-30");
  EXPECT_EQ(r.String("/days/1/start"), "2025-03-29T23:00:00Z");
  EXPECT_EQ(r.String("/days/1/end"), "2025-03-30T22:00:00Z");
  EXPECT_EQ(r.Int("/days/1/intervals"), 92);
  EXPECT_EQ(r.Int("/days/1/expected"), 92);
  EXPECT_EQ(r.Int("/days/1/measured"), 92);
  EXPECT_EQ(r.Number("/days/1/completeness"), 1);
  EXPECT_TRUE(r.Bool("/days/1/complete"));
  EXPECT_EQ(r.String("/days/1/tier"), "EXCELLENT");
  EXPECT_NEAR(r.Number("/days/1/energy_kwh"), 23, 1e-6);
  EXPECT_EQ(r.String("/days/1/daily/result"), "not_judged");
  EXPECT_EQ(r.String("/days/1/daily/reason"), "too_little_history");
  EXPECT_EQ(r.Int("/days/1/daily/history_days"), 0) << "the day before has an estimate";

  EXPECT_EQ(r.Int("/days/2/intervals"), 96);
  EXPECT_EQ(r.Int("/total/days"), 3);
  EXPECT_EQ(r.Int("/total/days_complete"), 2);
  EXPECT_EQ(r.Int("/total/expected"), 96 + 92 + 96);
  EXPECT_EQ(r.Int("/total/estimated"), 3);
  EXPECT_NEAR(r.Number("/total/completeness"), 281.0 / 284, 1e-9);

  // Thresholds from the request: the gap day and the total fall below.
  JsonDoc strict = Report("QA-DAYS", "start=2025-03-29&end=2025-04-01&min_completeness=0.99");
  EXPECT_EQ(strict.Number("/thresholds/min_completeness"), 0.99);
  EXPECT_THAT(strict.Raw("/days/0/below"), "[\"completeness\"]");
  EXPECT_EQ(strict.Size("/days/1/below"), 0u);
  EXPECT_THAT(strict.Raw("/total/below"), "[\"completeness\"]");
  EXPECT_EQ(strict.Int("/total/days_below"), 1);
}

TEST_F(QualityApiTest, TheAutumnDstDayIsCompleteWith100QuarterHours) {
  Meter("QA-AUTUMN");
  const int64_t from = kOct25 + 22 * kHour;         // 2025-10-26T00:00+02:00
  const int64_t to = kOct25 + kDayMs + 23 * kHour;  // 2025-10-27T00:00+01:00
  Ingest(CycleReadings("QA-AUTUMN", from, to));
  WaitForValidation(http());
  // Instants name the local days they touch.
  JsonDoc r =
      Report("QA-AUTUMN", "start=2025-10-26T00:00:00%2B02:00&end=2025-10-27T00:00:00%2B01:00");
  ASSERT_EQ(r.Size("/days"), 1u) << r.text();
  EXPECT_EQ(r.String("/days/0/date"), "2025-10-26");
  EXPECT_EQ(r.Int("/days/0/intervals"), 100);
  EXPECT_EQ(r.Int("/days/0/expected"), 100);
  EXPECT_EQ(r.Int("/days/0/measured"), 100);
  EXPECT_EQ(r.Number("/days/0/completeness"), 1);
  EXPECT_TRUE(r.Bool("/days/0/complete"));
  EXPECT_NEAR(r.Number("/days/0/energy_kwh"), 25, 1e-6);
}

// Ten UTC days: eight of 24 kWh, one of four times that, one of a tenth.
TEST_F(QualityApiTest, DailyHighAndLowJudgeTheDayAgainstTheUsualDay) {
  Meter("QA-DAILY", R"("timezone":"UTC")");
  Ingest(CycleReadings("QA-DAILY", kJun01, kJun01 + 8 * kDayMs));
  Ingest(CycleReadings("QA-DAILY", kJun01 + 8 * kDayMs, kJun01 + 9 * kDayMs, 4));
  Ingest(CycleReadings("QA-DAILY", kJun01 + 9 * kDayMs, kJun01 + 10 * kDayMs, 0.1));
  WaitForValidation(http());

  JsonDoc r = Report("QA-DAILY", "start=2025-06-07&end=2025-06-11");
  ASSERT_EQ(r.Size("/days"), 4u) << r.text();
  // 2025-06-07 has six complete days before it: too few.
  EXPECT_EQ(r.String("/days/0/daily/result"), "not_judged");
  EXPECT_EQ(r.String("/days/0/daily/reason"), "too_little_history");
  EXPECT_EQ(r.Int("/days/0/daily/history_days"), 6);
  EXPECT_EQ(r.String("/days/1/daily/result"), "normal");
  EXPECT_NEAR(r.Number("/days/1/daily/usual_kwh"), 24, 1e-6);
  EXPECT_NEAR(r.Number("/days/1/daily/ratio"), 1, 1e-6);
  EXPECT_FALSE(r.Has("/days/1/rules_fired/daily_high"));
  EXPECT_EQ(r.String("/days/2/daily/result"), "high");
  EXPECT_NEAR(r.Number("/days/2/daily/ratio"), 4, 1e-6);
  EXPECT_EQ(r.Int("/days/2/rules_fired/daily_high"), 1);
  EXPECT_EQ(r.String("/days/3/daily/result"), "low");
  EXPECT_EQ(r.Int("/days/3/rules_fired/daily_low"), 1);
  EXPECT_EQ(r.Int("/total/days_judged"), 3);
  EXPECT_EQ(r.Int("/total/days_high"), 1);
  EXPECT_EQ(r.Int("/total/days_low"), 1);
  EXPECT_EQ(r.Int("/total/rules_fired/daily_high"), 1);
}

// Nothing is stored: what arrives late, or a person edits, is in the next
// report.
TEST_F(QualityApiTest, LateReadingsAndEditsShowInTheNextReport) {
  Meter("QA-LATE", R"("timezone":"UTC")");
  const int64_t day = kJun01 + 20 * kDayMs;  // 2025-06-21
  const std::vector<int64_t> gap = {day + 40 * kQuarterMs, day + 41 * kQuarterMs};
  Ingest(CycleReadings("QA-LATE", day, day + kDayMs, 1, gap));
  WaitForValidation(http());
  const std::string params = "start=2025-06-21&end=2025-06-22";
  JsonDoc before = Report("QA-LATE", params);
  EXPECT_EQ(before.Int("/days/0/estimated"), 2) << before.text();
  EXPECT_EQ(before.Int("/days/0/measured"), 94);

  std::string late;
  for (int64_t ts : gap) {
    late += "{\"meter_id\":\"QA-LATE\",\"timestamp\":" + std::to_string(ts) +
            ",\"energy_kwh\":0.25,\"voltage_v\":230}\n";
  }
  Ingest(late);
  WaitForValidation(http());
  JsonDoc after = Report("QA-LATE", params);
  EXPECT_EQ(after.Int("/days/0/estimated"), 0) << after.text();
  EXPECT_EQ(after.Int("/days/0/measured"), 96);
  EXPECT_EQ(after.Number("/days/0/completeness"), 1);
  // They came 14 hours after the meter's newest reading (data time): late.
  EXPECT_EQ(after.Int("/days/0/late"), 2);
  EXPECT_LT(after.Number("/days/0/timeliness"), 1);

  TestResponse edit =
      Put(std::string(kMeters) + "/QA-LATE/readings/" + std::to_string(day + 10 * kQuarterMs),
          R"({"energy_kwh":0.3,"reason":"meter read on site","edited_by":"t"})");
  ASSERT_EQ(edit.status, 200) << edit.body;
  JsonDoc edited = Report("QA-LATE", params);
  EXPECT_EQ(edited.Int("/days/0/edited"), 1);
  EXPECT_EQ(edited.Int("/days/0/measured"), 95);
  EXPECT_EQ(edited.Number("/days/0/completeness"), 1) << "an edit counts as complete";
}

TEST_F(QualityApiTest, WithoutARangeTheLastSevenLocalDays) {
  Meter("QA-DEFAULT");
  JsonDoc r = Report("QA-DEFAULT", "");
  ASSERT_EQ(r.Size("/days"), 7u) << r.text();
  EXPECT_EQ(r.String("/days/0/date"), r.String("/first_day"));
  EXPECT_EQ(r.String("/days/6/date"), r.String("/last_day"));
  EXPECT_EQ(r.Int("/total/expected"), 0) << "no readings: nothing due";
  EXPECT_TRUE(r.IsNull("/total/completeness"));
  EXPECT_EQ(r.Size("/total/below"), 0u);
}

TEST_F(QualityApiTest, SummaryGroupsMetersAndCountsThoseBelow) {
  ASSERT_EQ(Post(kOperators, R"({"id":"QA-OP","name":"Op","type":"DSO"})").status, 201);
  Meter("QA-SUM-1", R"("timezone":"UTC","city":"Qualitown","grid_operator_id":"QA-OP")");
  Meter("QA-SUM-2", R"("timezone":"UTC","city":"Qualitown","grid_operator_id":"QA-OP")");
  const int64_t day = kJun01 + 24 * kDayMs;  // 2025-06-25
  Ingest(CycleReadings("QA-SUM-1", day, day + 2 * kDayMs));
  // Meter 2: four hours missing on the first day (too long to estimate
  // linearly and no history for similar days: profile estimates).
  std::vector<int64_t> gap;
  for (int i = 1; i <= 16; ++i) gap.push_back(day + 20 * kQuarterMs + i * kQuarterMs);
  Ingest(CycleReadings("QA-SUM-2", day, day + 2 * kDayMs, 1, gap));
  WaitForValidation(http());

  const std::string range = "start=2025-06-25&end=2025-06-27&meter_ids=QA-SUM-1,QA-SUM-2,QA-NOBODY";
  JsonDoc city = Summary(range + "&group_by=city&min_completeness=0.99");
  EXPECT_EQ(city.String("/group_by"), "city");
  EXPECT_EQ(city.String("/first_day"), "2025-06-25");
  EXPECT_EQ(city.String("/last_day"), "2025-06-26");
  EXPECT_EQ(city.Int("/meters"), 2);
  EXPECT_THAT(city.Raw("/unknown"), "[\"QA-NOBODY\"]");
  ASSERT_EQ(city.Size("/groups"), 1u) << city.text();
  EXPECT_EQ(city.String("/groups/0/group"), "Qualitown");
  EXPECT_EQ(city.Int("/groups/0/meters"), 2);
  EXPECT_EQ(city.Int("/groups/0/meter_days"), 4);
  EXPECT_EQ(city.Int("/groups/0/expected"), 4 * 96);
  EXPECT_EQ(city.Int("/groups/0/measured"), 4 * 96 - 16);
  EXPECT_EQ(city.Int("/groups/0/estimated") + city.Int("/groups/0/missing"), 16);
  EXPECT_NEAR(city.Number("/groups/0/completeness"), (4.0 * 96 - 16) / (4 * 96), 1e-9);
  EXPECT_EQ(city.Int("/groups/0/meters_below"), 1);
  EXPECT_EQ(city.Int("/groups/0/days_below"), 1);
  EXPECT_THAT(city.Raw("/groups/0/below"), "[\"completeness\"]");
  EXPECT_EQ(city.Int("/groups/0/rules_fired/gap"), 16);

  JsonDoc per_meter = Summary(range + "&group_by=meter");
  EXPECT_EQ(per_meter.Strings("/groups", "group"),
            (std::vector<std::string>{"QA-SUM-1", "QA-SUM-2"}));
  EXPECT_EQ(per_meter.Number("/groups/0/completeness"), 1);
  EXPECT_EQ(per_meter.Int("/groups/0/meters_below"), 0);
  // The city's tiers count what each meter's own group says.
  std::map<std::string, int64_t> tiers;
  for (size_t i = 0; i < per_meter.Size("/groups"); ++i) {
    ++tiers[per_meter.String("/groups/" + std::to_string(i) + "/tier")];
  }
  int64_t counted = 0;
  for (const char* tier : {"EXCELLENT", "GOOD", "FAIR", "POOR", "UNKNOWN"}) {
    EXPECT_EQ(city.Int(std::string("/groups/0/meters_by_tier/") + tier), tiers[tier]) << tier;
    counted += city.Int(std::string("/groups/0/meters_by_tier/") + tier);
  }
  EXPECT_EQ(counted, 2);
  JsonDoc by_operator = Summary(range + "&group_by=operator");
  EXPECT_EQ(by_operator.Strings("/groups", "group"), (std::vector<std::string>{"QA-OP"}));
  JsonDoc none = Summary(range);
  ASSERT_EQ(none.Size("/groups"), 1u);
  EXPECT_EQ(none.String("/groups/0/group"), "all");
  EXPECT_EQ(none.Int("/groups/0/meters"), 2);
}

TEST_F(QualityApiTest, UnknownMeterIs404) {
  EXPECT_TRUE(IsApiError(Get("/api/v1/quality/meters/QA-NOBODY"), 404, "not_found"));
}

TEST_F(QualityApiTest, BadParametersAreAllNamedAtOnce) {
  Meter("QA-PARAMS");
  TestResponse r =
      Get("/api/v1/quality/meters/QA-PARAMS?start=yesterday&end=soon"
          "&min_quality=2&min_validity=x&colour=red&group_by=city");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed")) << r.body;
  EXPECT_THAT(ErrorDetails(r),
              UnorderedElementsAre("start:invalid_date", "end:invalid_date",
                                   "min_quality:invalid_value", "min_validity:invalid_value",
                                   "colour:unknown_parameter", "group_by:unknown_parameter"));
  EXPECT_THAT(ErrorDetails(Get("/api/v1/quality/meters/QA-PARAMS?start=2025-01-02&end=2025-01-01")),
              ElementsAre("end:invalid_range"));
  EXPECT_THAT(ErrorDetails(Get("/api/v1/quality/meters/QA-PARAMS?start=2025-01-01T10:00:00Z"
                               "&end=2025-01-01T09:00:00Z")),
              ElementsAre("end:invalid_range"))
      << "instants on the same day, reversed";
  EXPECT_THAT(ErrorDetails(Get("/api/v1/quality/meters/QA-PARAMS?start=2020-01-01&end=2025-01-01")),
              ElementsAre("end:range_too_long"));
  TestResponse s =
      Get("/api/v1/quality/summary?group_by=planet&start=2025-01-01&end=2025-06-01"
          "&min_completeness=-1");
  EXPECT_THAT(ErrorDetails(s), UnorderedElementsAre("group_by:invalid_choice", "end:range_too_long",
                                                    "min_completeness:invalid_value"));
}

}  // namespace
}  // namespace metrify::test
