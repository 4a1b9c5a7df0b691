// Reading series back through the real server: calendar buckets across the
// Europe/Berlin DST days, gaps shown as gaps, CSV, parameter errors, the
// newest reading per meter and fleet consumption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kQuarterMs = 900'000;

// Quarter-hour readings of 0.25 kWh for `meter`, stamped at the END of each
// interval, for every interval ending in (from_ms, to_ms], except `skip`.
std::string QuarterHours(std::string_view meter, int64_t from_ms, int64_t to_ms,
                         std::vector<int64_t> skip = {}) {
  std::string body;
  for (int64_t ts = from_ms + kQuarterMs; ts <= to_ms; ts += kQuarterMs) {
    if (std::find(skip.begin(), skip.end(), ts) != skip.end()) continue;
    body += "{\"meter_id\":\"" + std::string(meter) + "\",\"timestamp\":" + std::to_string(ts) +
            ",\"energy_kwh\":0.25,\"voltage_v\":230}\n";
  }
  return body;
}

// Epoch ms of a UTC "YYYY-MM-DDTHH:MM" (test data only).
int64_t Utc(const char* text) {
  int y, mo, d, h, mi;
  std::sscanf(text, "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi);
  const int64_t days = [&] {  // days from civil, Howard Hinnant's algorithm
    y -= mo <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }();
  return ((days * 24 + h) * 60 + mi) * 60'000;
}

class SeriesQueryTest : public ServerTest {
 protected:
  void Meter(std::string_view id, std::string_view extra = "") {
    std::string body = "{\"id\":\"" + std::string(id) + "\"" +
                       (extra.empty() ? "" : "," + std::string(extra)) + "}";
    ASSERT_EQ(Post(kMeters, body).status, 201) << body;
  }
  void Ingest(const std::string& ndjson) {
    TestResponse r = Post("/api/v1/readings", ndjson, "application/x-ndjson");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JsonDoc(r.body).Int("/rejected"), 0) << r.body;
  }
  JsonDoc Query(std::string_view meter, std::string_view params, int want_status = 200) {
    TestResponse r =
        Get(std::string(kMeters) + "/" + std::string(meter) + "/readings?" + std::string(params));
    EXPECT_EQ(r.status, want_status) << r.body;
    return JsonDoc(r.body);
  }
};

struct DstCase {
  const char* name;
  const char* local_day;  // start and end of the local day, as query parameters
  const char* utc_start;  // where the local day starts, UTC
  const char* utc_end;
  int quarter_hours;
  int hours;
};

void PrintTo(const DstCase& c, std::ostream* os) { *os << c.name; }

class DstBucketTest : public SeriesQueryTest, public ::testing::WithParamInterface<DstCase> {};

// A Berlin day has 92, 96 or 100 quarter hours; buckets follow the local
// calendar, and a complete day reports count == expected.
TEST_P(DstBucketTest, ALocalDayHasItsOwnNumberOfQuarterHoursAndHours) {
  const DstCase& c = GetParam();
  const std::string meter = std::string("DST-") + c.name;
  Meter(meter);  // meters default to Europe/Berlin
  Ingest(QuarterHours(meter, Utc(c.utc_start), Utc(c.utc_end)));

  JsonDoc day = Query(meter, std::string(c.local_day) + "&interval=1d");
  ASSERT_EQ(day.Size("/buckets"), 1u) << day.text();
  EXPECT_EQ(day.String("/tz"), "Europe/Berlin");
  EXPECT_EQ(day.String("/buckets/0/start"), std::string(c.utc_start) + ":00Z");
  EXPECT_EQ(day.String("/buckets/0/end"), std::string(c.utc_end) + ":00Z");
  EXPECT_THAT(day.String("/buckets/0/start_local"), HasSubstr("T00:00:00+0"));
  EXPECT_EQ(day.Int("/buckets/0/count"), c.quarter_hours);
  EXPECT_EQ(day.Int("/buckets/0/expected"), c.quarter_hours);
  EXPECT_DOUBLE_EQ(day.Number("/buckets/0/energy_kwh"), 0.25 * c.quarter_hours);
  EXPECT_DOUBLE_EQ(day.Number("/buckets/0/voltage_v"), 230) << "levels average";

  JsonDoc hours = Query(meter, std::string(c.local_day) + "&interval=1h");
  EXPECT_EQ(hours.Size("/buckets"), static_cast<size_t>(c.hours));
  EXPECT_EQ(hours.Int("/buckets/0/count"), 4);
  JsonDoc quarters = Query(meter, std::string(c.local_day) + "&interval=15m");
  EXPECT_EQ(quarters.Size("/buckets"), static_cast<size_t>(c.quarter_hours));
  JsonDoc raw = Query(meter, std::string(c.local_day));
  EXPECT_EQ(raw.Int("/count"), c.quarter_hours - 1)
      << "raw is [start, end) by timestamp: the reading stamped at the day's end is the next "
         "day's first instant";
}

INSTANTIATE_TEST_SUITE_P(
    Berlin, DstBucketTest,
    ::testing::Values(
        DstCase{"spring", "start=2025-03-30T00:00:00%2B01:00&end=2025-03-31T00:00:00%2B02:00",
                "2025-03-29T23:00", "2025-03-30T22:00", 92, 23},
        DstCase{"normal", "start=2025-06-15T00:00:00%2B02:00&end=2025-06-16T00:00:00%2B02:00",
                "2025-06-14T22:00", "2025-06-15T22:00", 96, 24},
        DstCase{"autumn", "start=2025-10-26T00:00:00%2B02:00&end=2025-10-27T00:00:00%2B01:00",
                "2025-10-25T22:00", "2025-10-26T23:00", 100, 25}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SeriesQueryTest, GapsShowAsMissingCountsAndNullsNeverAsZero) {
  Meter("GAP-1");
  std::vector<int64_t> skip;
  // 01:00 to 03:00 UTC missing: hours 01 and 02 have no reading at all.
  for (int64_t ts = Utc("2025-06-15T01:15"); ts <= Utc("2025-06-15T03:00"); ts += kQuarterMs) {
    skip.push_back(ts);
  }
  skip.push_back(Utc("2025-06-15T05:30"));  // one reading short in hour 05
  Ingest(QuarterHours("GAP-1", Utc("2025-06-15T00:00"), Utc("2025-06-15T06:00"), skip));
  // The raw data: VEE fills a 2-hour gap beside the request (validated view,
  // tests/api/validated_readings_test.cc), how soon depends on the machine.
  JsonDoc hours = Query("GAP-1",
                        "start=2025-06-15T00:00:00Z&end=2025-06-15T06:00:00Z&interval=1h&tz=UTC"
                        "&version=raw");
  ASSERT_EQ(hours.Size("/buckets"), 6u);
  EXPECT_EQ(hours.Int("/buckets/1/count"), 0);
  EXPECT_EQ(hours.Int("/buckets/1/expected"), 4);
  EXPECT_TRUE(hours.IsNull("/buckets/1/energy_kwh"));
  EXPECT_TRUE(hours.IsNull("/buckets/2/energy_kwh"));
  EXPECT_EQ(hours.Int("/buckets/5/count"), 3);
  EXPECT_DOUBLE_EQ(hours.Number("/buckets/5/energy_kwh"), 0.75);
}

TEST_F(SeriesQueryTest, CsvAnswersHaveAHeaderAndOneLinePerRowOrBucket) {
  Meter("CSV-1");
  Ingest(QuarterHours("CSV-1", Utc("2025-06-15T00:00"), Utc("2025-06-15T01:00")));
  TestResponse raw = Get(std::string(kMeters) +
                         "/CSV-1/readings?start=2025-06-15T00:00:00Z&end=2025-06-15T01:00:00Z"
                         "&format=csv&fields=energy_kwh&version=raw");
  ASSERT_EQ(raw.status, 200);
  EXPECT_THAT(raw.Header("content-type"), HasSubstr("text/csv"));
  EXPECT_EQ(raw.body,
            "timestamp,interval_s,energy_kwh\n"
            "2025-06-15T00:15:00Z,900,0.25\n"
            "2025-06-15T00:30:00Z,900,0.25\n"
            "2025-06-15T00:45:00Z,900,0.25\n");
  TestResponse hourly = Get(std::string(kMeters) +
                            "/CSV-1/readings?start=2025-06-15T00:00:00Z&end=2025-06-15T01:00:00Z"
                            "&format=csv&interval=1h&tz=UTC&fields=energy_kwh&version=raw");
  EXPECT_EQ(hourly.body,
            "start,end,count,expected,energy_kwh\n"
            "2025-06-15T00:00:00Z,2025-06-15T01:00:00Z,4,4,1\n");
  // The validated view (the default) adds how each value was decided, and
  // per bucket the shares of its expected intervals.
  TestResponse validated = Get(std::string(kMeters) +
                               "/CSV-1/readings?start=2025-06-15T00:00:00Z"
                               "&end=2025-06-15T01:00:00Z&format=csv&fields=energy_kwh");
  EXPECT_EQ(validated.body,
            "timestamp,interval_s,energy_kwh,status,rule,quality,tier\n"
            "2025-06-15T00:15:00Z,900,0.25,MEASURED,,1,EXCELLENT\n"
            "2025-06-15T00:30:00Z,900,0.25,MEASURED,,1,EXCELLENT\n"
            "2025-06-15T00:45:00Z,900,0.25,MEASURED,,1,EXCELLENT\n");
  TestResponse validated_hourly =
      Get(std::string(kMeters) +
          "/CSV-1/readings?start=2025-06-15T00:00:00Z&end=2025-06-15T01:00:00Z"
          "&format=csv&interval=1h&tz=UTC&fields=energy_kwh");
  EXPECT_EQ(validated_hourly.body,
            "start,end,count,expected,energy_kwh,measured,estimated,edited,invalid,missing\n"
            "2025-06-15T00:00:00Z,2025-06-15T01:00:00Z,4,4,1,1,0,0,0,0\n");
}

TEST_F(SeriesQueryTest, AggAndMonthBuckets) {
  Meter("AGG-1", R"("timezone":"UTC")");
  std::string body;
  for (int i = 1; i <= 4; ++i) {
    body += "{\"meter_id\":\"AGG-1\",\"timestamp\":" +
            std::to_string(Utc("2025-01-31T23:00") + i * kQuarterMs) +
            ",\"energy_kwh\":" + std::to_string(i) + "}\n";
  }
  Ingest(body);
  // Readings ending 23:15 .. 00:00 belong to January; 00:15 would be February.
  JsonDoc max =
      Query("AGG-1", "start=2025-01-01T00:00:00Z&end=2025-03-01T00:00:00Z&interval=1M&agg=max");
  ASSERT_EQ(max.Size("/buckets"), 2u);
  EXPECT_EQ(max.String("/agg/energy_kwh"), "max");
  EXPECT_EQ(max.Number("/buckets/0/energy_kwh"), 4);
  EXPECT_EQ(max.Int("/buckets/0/count"), 4);
  EXPECT_EQ(max.Int("/buckets/0/expected"), 31 * 96);
  EXPECT_TRUE(max.IsNull("/buckets/1/energy_kwh"));
  EXPECT_EQ(max.String("/buckets/1/start"), "2025-02-01T00:00:00Z");
  JsonDoc last =
      Query("AGG-1", "start=2025-01-01T00:00:00Z&end=2025-02-01T00:00:00Z&interval=1M&agg=last");
  EXPECT_EQ(last.Number("/buckets/0/energy_kwh"), 4);
  JsonDoc avg =
      Query("AGG-1", "start=2025-01-01T00:00:00Z&end=2025-02-01T00:00:00Z&interval=1M&agg=avg");
  EXPECT_EQ(avg.Number("/buckets/0/energy_kwh"), 2.5);
}

TEST_F(SeriesQueryTest, DefaultStatisticsSumEnergyAverageLevelsAndTakeTheLastRegister) {
  Meter("DEF-1", R"("timezone":"UTC")");
  std::string body;
  const double registers[] = {100.25, 100.5, 100.75, 101};
  for (int i = 0; i < 4; ++i) {
    body += "{\"meter_id\":\"DEF-1\",\"timestamp\":" +
            std::to_string(Utc("2025-06-15T00:00") + (i + 1) * kQuarterMs) +
            ",\"energy_kwh\":0.25,\"voltage_v\":" + std::to_string(228 + 2 * i) +
            ",\"register_kwh\":" + std::to_string(registers[i]) + "}\n";
  }
  Ingest(body);
  JsonDoc hour = Query("DEF-1", "start=2025-06-15T00:00:00Z&end=2025-06-15T01:00:00Z&interval=1h");
  EXPECT_EQ(hour.String("/agg/energy_kwh"), "sum");
  EXPECT_EQ(hour.String("/agg/voltage_v"), "avg");
  EXPECT_EQ(hour.String("/agg/register_kwh"), "last");
  EXPECT_DOUBLE_EQ(hour.Number("/buckets/0/energy_kwh"), 1);
  EXPECT_DOUBLE_EQ(hour.Number("/buckets/0/voltage_v"), 231);
  EXPECT_DOUBLE_EQ(hour.Number("/buckets/0/register_kwh"), 101);
}

TEST_F(SeriesQueryTest, BadParametersAreAllNamedAtOnce) {
  Meter("PARAM-1");
  TestResponse r = Get(std::string(kMeters) +
                       "/PARAM-1/readings?start=yesterday&interval=2h&agg=median&fields=volts"
                       "&tz=Mars/Olympus&format=xml&colour=red");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed")) << r.body;
  EXPECT_THAT(ErrorDetails(r),
              ::testing::UnorderedElementsAre("colour:unknown_parameter", "start:invalid_timestamp",
                                              "interval:invalid_choice", "agg:invalid_choice",
                                              "fields:unknown_field", "tz:invalid_time_zone",
                                              "format:invalid_choice"));
  TestResponse range = Get(std::string(kMeters) +
                           "/PARAM-1/readings?start=2025-01-02T00:00:00Z&end=2025-01-01T00:00:00Z");
  EXPECT_THAT(ErrorDetails(range), ElementsAre("end:invalid_range"));
  TestResponse buckets = Get(std::string(kMeters) +
                             "/PARAM-1/readings?start=2000-01-01T00:00:00Z&end=2025-01-01T00:00:00Z"
                             "&interval=15m");
  EXPECT_THAT(ErrorDetails(buckets), ElementsAre("interval:too_many_buckets"));
  EXPECT_TRUE(IsApiError(Get(std::string(kMeters) + "/NOPE/readings"), 404, "not_found"));
}

TEST_F(SeriesQueryTest, LatestNamesMetersWithoutReadingsAndUnknownOnes) {
  Meter("LAT-1");
  Meter("LAT-2");
  Ingest(QuarterHours("LAT-1", Utc("2025-06-15T00:00"), Utc("2025-06-15T01:00")));
  // Without meter_ids: every registered meter, also those created since start.
  JsonDoc all(Get("/api/v1/readings/latest").body);
  bool lat2_missing = false;
  for (size_t i = 0; i < all.Size("/missing"); ++i) {
    lat2_missing = lat2_missing || all.String("/missing/" + std::to_string(i)) == "LAT-2";
  }
  EXPECT_TRUE(lat2_missing) << all.text();
  JsonDoc latest(Get("/api/v1/readings/latest?meter_ids=LAT-1,LAT-2,LAT-X").body);
  ASSERT_EQ(latest.Int("/count"), 1) << latest.text();
  EXPECT_EQ(latest.String("/readings/0/meter_id"), "LAT-1");
  EXPECT_EQ(latest.String("/readings/0/timestamp"), "2025-06-15T01:00:00Z");
  EXPECT_EQ(latest.Number("/readings/0/energy_kwh"), 0.25);
  ASSERT_EQ(latest.Size("/missing"), 1u);
  EXPECT_EQ(latest.String("/missing/0"), "LAT-2");
  ASSERT_EQ(latest.Size("/unknown"), 1u);
  EXPECT_EQ(latest.String("/unknown/0"), "LAT-X");
}

// Enough meters that the rollup splits them over threads and chunks.
TEST_F(SeriesQueryTest, ConsumptionOfManyMetersCountsEveryMeterOnce) {
  constexpr int kMany = 5000;
  std::string csv = "id,city\n", readings;
  for (int i = 0; i < kMany; ++i) {
    csv += "MANY-" + std::to_string(i) + ",Manytown\n";
    readings += "{\"meter_id\":\"MANY-" + std::to_string(i) +
                "\",\"timestamp\":" + std::to_string(Utc("2032-01-10T12:00")) +
                ",\"energy_kwh\":" + std::to_string(i % 7) + "}\n";
  }
  ASSERT_EQ(Post(std::string(kMeters) + "/import", csv, "text/csv").status, 200);
  Ingest(readings);
  JsonDoc c(Get("/api/v1/analytics/consumption?start=2032-01-10T00:00:00Z"
                "&end=2032-01-11T00:00:00Z&tz=UTC&group_by=city")
                .body);
  int64_t want_kwh = 0;
  for (int i = 0; i < kMany; ++i) want_kwh += i % 7;
  bool found = false;
  for (size_t i = 0; i < c.Size("/groups"); ++i) {
    const std::string g = "/groups/" + std::to_string(i);
    if (c.IsNull(g + "/group") || c.String(g + "/group") != "Manytown") continue;
    found = true;
    EXPECT_EQ(c.Int(g + "/meters"), kMany);
    EXPECT_EQ(c.Int(g + "/buckets/0/count"), kMany);
    EXPECT_DOUBLE_EQ(c.Number(g + "/buckets/0/energy_kwh"), static_cast<double>(want_kwh));
  }
  EXPECT_TRUE(found) << c.text().substr(0, 500);
}

TEST_F(SeriesQueryTest, ConsumptionSumsMetersPerGroupAndBucket) {
  ASSERT_EQ(Post(kOperators, R"({"id":"CONS-OP","name":"Op","type":"DSO"})").status, 201);
  Meter("CONS-1", R"("grid_operator_id":"CONS-OP","city":"Consville")");
  Meter("CONS-2", R"("grid_operator_id":"CONS-OP","city":"Consville")");
  Ingest(QuarterHours("CONS-1", Utc("2031-06-14T22:00"), Utc("2031-06-15T22:00")));
  Ingest(QuarterHours("CONS-2", Utc("2031-06-14T22:00"), Utc("2031-06-15T04:00")));
  JsonDoc c(Get("/api/v1/analytics/consumption?start=2031-06-15T00:00:00%2B02:00"
                "&end=2031-06-16T00:00:00%2B02:00&group_by=city")
                .body);
  ASSERT_TRUE(c.ok()) << c.text();
  bool found = false;
  for (size_t i = 0; i < c.Size("/groups"); ++i) {
    const std::string g = "/groups/" + std::to_string(i);
    if (c.IsNull(g + "/group") || c.String(g + "/group") != "Consville") continue;
    found = true;
    EXPECT_EQ(c.Int(g + "/meters"), 2);
    EXPECT_EQ(c.Int(g + "/buckets/0/count"), 96 + 24);
    EXPECT_EQ(c.Int(g + "/buckets/0/expected"), 2 * 96);
    EXPECT_DOUBLE_EQ(c.Number(g + "/buckets/0/energy_kwh"), 0.25 * (96 + 24));
  }
  EXPECT_TRUE(found) << c.text();
}

}  // namespace
}  // namespace metrify::test
