// Ingest of readings, grid status and observations through the real server:
// every body format, every rejection reason, idempotent retries and
// revisions, unknown entities (rejected, or registered when configured) and
// whole-body errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr std::string_view kReadings = "/api/v1/readings";

class SeriesIngestTest : public ServerTest {
 protected:
  void Register(std::string_view base, std::string_view id, std::string_view extra = "") {
    std::string body = "{\"id\":\"" + std::string(id) + "\"" +
                       (extra.empty() ? "" : "," + std::string(extra)) + "}";
    ASSERT_EQ(Post(base, body).status, 201) << body;
  }
  // The raw readings of `meter` on 2025-01-15 (UTC) as a document.
  JsonDoc Day(std::string_view meter) {
    TestResponse r = Get(std::string(kMeters) + "/" + std::string(meter) +
                         "/readings?version=raw&start=2025-01-15T00:00:00Z&end=2025-01-16T00:00:00Z");
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
};

TEST_F(SeriesIngestTest, TheThreeFormatsStoreTheSameReadings) {
  struct Case {
    std::string meter, content_type, body;
  };
  const std::vector<Case> cases = {
      {"FMT-JSON", "application/json",
       R"([{"meter_id":"FMT-JSON","timestamp":"2025-01-15T00:15:00Z","energy_kwh":0.25,"voltage_v":230.1},
           {"meter_id":"FMT-JSON","timestamp":1736901000000,"energy_kwh":0.5}])"},
      {"FMT-NDJSON", "application/x-ndjson",
       "{\"meter_id\":\"FMT-NDJSON\",\"timestamp\":\"2025-01-15T01:15:00+01:00\","
       "\"energy_kwh\":0.25,\"voltage_v\":230.1}\n"
       "{\"meter_id\":\"FMT-NDJSON\",\"timestamp\":1736901000000,\"energy_kwh\":0.5}\n"},
      {"FMT-CSV", "text/csv",
       "meter_id,timestamp,energy_kwh,voltage_v\n"
       "FMT-CSV,2025-01-15T00:15:00Z,0.25,230.1\n"
       "FMT-CSV,1736901000000,0.5,\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content_type);
    Register(kMeters, c.meter);
    TestResponse r = Post(kReadings, c.body, c.content_type);
    ASSERT_EQ(r.status, 200) << r.body;
    JsonDoc outcome(r.body);
    EXPECT_EQ(outcome.Int("/items"), 2);
    EXPECT_EQ(outcome.Int("/accepted"), 2);
    // Scaled mode counts what the worker will store as queued (IngestResult).
    EXPECT_EQ(outcome.Int(scaled() ? "/queued" : "/inserted"), 2);
    EXPECT_EQ(outcome.Size("/errors"), 0u);
    JsonDoc day = Day(c.meter);
    ASSERT_EQ(day.Int("/count"), 2) << day.text();
    EXPECT_EQ(day.String("/readings/0/timestamp"), "2025-01-15T00:15:00Z");
    EXPECT_EQ(day.Number("/readings/0/energy_kwh"), 0.25);
    EXPECT_EQ(day.Number("/readings/0/voltage_v"), 230.1);
    EXPECT_EQ(day.Int("/readings/1/interval_s"), 900);
    EXPECT_FALSE(day.Has("/readings/1/voltage_v")) << "an absent field stays absent";
  }
}

TEST_F(SeriesIngestTest, OneMetersPathTakesItemsWithoutMeterId) {
  Register(kMeters, "PATH-1");
  TestResponse r = Post(
      std::string(kMeters) + "/PATH-1/readings",
      "timestamp,energy_kwh\n2025-01-15T00:15:00Z,0.1\n2025-01-15T00:30:00Z,0.2\n", "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonDoc(r.body).Int("/accepted"), 2);
  EXPECT_EQ(Day("PATH-1").Int("/count"), 2);
}

// One item per rejection reason, in body order; the last item is good and
// must be stored despite the rest.
TEST_F(SeriesIngestTest, EveryRejectionReasonIsReportedPerItemAndTheRestIsStored) {
  Register(kMeters, "REJ-1");
  const std::vector<std::pair<std::string, std::string>> items = {
      {R"({"timestamp":"2025-01-15T00:15:00Z","energy_kwh":1})", "missing_entity"},
      {R"({"meter_id":"bad id!","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1})",
       "invalid_entity_id"},
      {R"({"meter_id":"REJ-1","energy_kwh":1})", "missing_timestamp"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-02-30T00:00:00Z","energy_kwh":1})",
       "invalid_timestamp"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00","energy_kwh":1})",
       "timestamp_without_offset"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1,"colour":"red"})",
       "unknown_field"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":"1"})", "wrong_type"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1e999})",
       "not_finite"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z","interval_s":7,"energy_kwh":1})",
       "invalid_interval"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z"})", "no_values"},
      {R"(42)", "malformed_item"},
      {R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1,"energy_kwh":2})",
       "duplicate_field"},
      {R"({"meter_id":"NOT-REGISTERED","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1})",
       "unknown_entity"},
  };
  std::string body = "[";
  std::vector<std::string> want;
  for (const auto& [item, code] : items) {
    body += item + ",";
    want.push_back(code);
  }
  body += R"({"meter_id":"REJ-1","timestamp":"2025-01-15T00:45:00Z","energy_kwh":0.7}])";
  TestResponse r = Post(kReadings, body);
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc outcome(r.body);
  EXPECT_EQ(outcome.Int("/items"), static_cast<int64_t>(items.size() + 1));
  EXPECT_EQ(outcome.Int("/accepted"), 1);
  EXPECT_EQ(outcome.Int("/rejected"), static_cast<int64_t>(items.size()));
  EXPECT_THAT(outcome.Strings("/errors", "code"), ElementsAreArray(want));
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(outcome.Int("/errors/" + std::to_string(i) + "/index"), static_cast<int64_t>(i));
    EXPECT_FALSE(outcome.String("/errors/" + std::to_string(i) + "/message").empty());
  }
  JsonDoc day = Day("REJ-1");
  ASSERT_EQ(day.Int("/count"), 1);
  EXPECT_EQ(day.Number("/readings/0/energy_kwh"), 0.7);
}

TEST_F(SeriesIngestTest, CsvAndNdjsonErrorsCarryTheirLineNumbers) {
  Register(kMeters, "LINES-1");
  TestResponse r = Post(kReadings,
                        "meter_id,timestamp,energy_kwh\n"
                        "LINES-1,2025-01-15T00:15:00Z,0.1\n"
                        "LINES-1,yesterday,0.1\n",
                        "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc outcome(r.body);
  EXPECT_EQ(outcome.Int("/errors/0/index"), 1);
  EXPECT_EQ(outcome.Int("/errors/0/line"), 3);
  EXPECT_EQ(outcome.String("/errors/0/field"), "timestamp");
}

TEST_F(SeriesIngestTest, ARetryIsANoOpAndAChangeIsANewRevisionKeepingTheRaw) {
  Register(kMeters, "IDEM-1");
  const std::string body =
      R"([{"meter_id":"IDEM-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":0.25},
          {"meter_id":"IDEM-1","timestamp":"2025-01-15T00:30:00Z","energy_kwh":0.5}])";
  // Scaled mode: only the worker knows new from unchanged or revised; the API
  // counts every accepted sample as queued (IngestResult).
  ASSERT_EQ(JsonDoc(Post(kReadings, body).body).Int(scaled() ? "/queued" : "/inserted"), 2);
  JsonDoc retry(Post(kReadings, body).body);
  EXPECT_EQ(retry.Int("/accepted"), 2);
  EXPECT_EQ(retry.Int(scaled() ? "/queued" : "/unchanged"), 2);
  EXPECT_EQ(retry.Int("/inserted"), 0);
  JsonDoc change(
      Post(kReadings,
           R"([{"meter_id":"IDEM-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":0.3}])")
          .body);
  EXPECT_EQ(change.Int(scaled() ? "/queued" : "/revised"), 1);
  JsonDoc day = Day("IDEM-1");
  ASSERT_EQ(day.Int("/count"), 2) << "one reading per timestamp";
  EXPECT_EQ(day.Number("/readings/0/energy_kwh"), 0.3) << "reads show the latest revision";
}

TEST_F(SeriesIngestTest, WholeBodyProblemsAreRefusedWithNothingStored) {
  Register(kMeters, "BODY-1");
  EXPECT_TRUE(IsApiError(Post(kReadings, "[{\"meter_id\":\"BODY-1\",", "application/json"), 400,
                         "bad_request"));
  EXPECT_TRUE(IsApiError(Post(kReadings, "hello", "text/plain"), 415, "unsupported_media_type"));
  EXPECT_TRUE(IsApiError(Post(kReadings, "meter_id,energy_kwh\nBODY-1,1\n", "text/csv"), 400,
                         "bad_request"))
      << "a CSV header without a timestamp column";
  EXPECT_TRUE(IsApiError(Post(std::string(kMeters) + "/NO-SUCH-METER/readings",
                              R"([{"timestamp":"2025-01-15T00:15:00Z","energy_kwh":1}])"),
                         404, "not_found"));
  EXPECT_EQ(Day("BODY-1").Int("/count"), 0);
}

TEST_F(SeriesIngestTest, GridStatusAndObservationsGoThroughTheSamePath) {
  Register(kOperators, "GRID-ING", R"("name":"Grid","type":"DSO")");
  Register(kStations, "WX-ING", R"("name":"Station","latitude":52.5,"longitude":13.4)");
  TestResponse grid =
      Post(std::string(kOperators) + "/GRID-ING/status",
           R"([{"timestamp":"2025-01-15T00:00:00Z","frequency_hz":50.01,"load_mw":812.5}])");
  ASSERT_EQ(grid.status, 200) << grid.body;
  EXPECT_EQ(JsonDoc(grid.body).Int(scaled() ? "/queued" : "/inserted"), 1);
  TestResponse wx =
      Post(std::string(kStations) + "/WX-ING/observations",
           "timestamp,temperature_c,humidity_pct\n2025-01-15T00:00:00Z,-3.5,88\n", "text/csv");
  ASSERT_EQ(wx.status, 200) << wx.body;
  JsonDoc status(Get(std::string(kOperators) +
                     "/GRID-ING/status?start=2025-01-15T00:00:00Z&end=2025-01-15T01:00:00Z")
                     .body);
  EXPECT_EQ(status.String("/operator_id"), "GRID-ING");
  EXPECT_EQ(status.Number("/status/0/load_mw"), 812.5);
  JsonDoc obs(Get(std::string(kStations) +
                  "/WX-ING/observations?start=2025-01-15T00:00:00Z&end=2025-01-15T01:00:00Z")
                  .body);
  EXPECT_EQ(obs.Number("/observations/0/temperature_c"), -3.5);
  EXPECT_FALSE(obs.Has("/observations/0/interval_s")) << "observations are instants";
}

TEST(SeriesRestart, AGracefulStopFlushesToSegmentsAndTheDataIsBackAfterStart) {
  ServerProcess server;
  TestHttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Post(std::string(kMeters), R"({"id":"RESTART-1"})").status, 201);
  ASSERT_EQ(
      client
          .Post(std::string(kReadings),
                R"([{"meter_id":"RESTART-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":0.4}])")
          .status,
      200);
  EXPECT_EQ(server.Stop(), 0);
  server.Start();
  const std::string log = server.log();
  const size_t open = log.rfind("readings engine open");
  ASSERT_NE(open, std::string::npos);
  EXPECT_NE(log.find("\"samples_replayed\":0", open), std::string::npos)
      << "the stop flushed everything: nothing left to replay";
  TestHttpClient again("127.0.0.1", server.port());
  JsonDoc day(again
                  .Get(std::string(kMeters) +
                       "/RESTART-1/readings?version=raw&start=2025-01-15T00:00:00Z&end=2025-01-16T00:00:00Z")
                  .body);
  ASSERT_EQ(day.Int("/count"), 1) << day.text();
  EXPECT_EQ(day.Number("/readings/0/energy_kwh"), 0.4);
}

class RetentionTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    StartServer({.env = {{"METRIFY_STORAGE_RETENTION_DAYS", "30"}}, .args = {}});
  }
};

TEST_F(RetentionTest, ReadingsOlderThanTheWindowAreRefusedByName) {
  ASSERT_EQ(Post(kMeters, R"({"id":"RET-1"})").status, 201);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string body =
      "[{\"meter_id\":\"RET-1\",\"timestamp\":\"2020-01-01T00:15:00Z\","
      "\"energy_kwh\":1},{\"meter_id\":\"RET-1\",\"timestamp\":" +
      std::to_string(now - now % 900000) + ",\"energy_kwh\":1}]";
  TestResponse r = Post(kReadings, body);
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc outcome(r.body);
  EXPECT_EQ(outcome.Int("/accepted"), 1);
  EXPECT_EQ(outcome.String("/errors/0/code"), "beyond_retention");
  EXPECT_EQ(outcome.Int("/errors/0/index"), 0);
}

class AutoRegisterTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    StartServer({.env = {{"METRIFY_INGEST_AUTO_REGISTER", "true"}}, .args = {}});
  }
};

TEST_F(AutoRegisterTest, UnknownMetersAreRegisteredOnFirstData) {
  TestResponse r = Post(kReadings,
                        R"([{"meter_id":"AUTO-1","timestamp":"2025-01-15T00:15:00Z","energy_kwh":1},
                            {"meter_id":"AUTO-1","timestamp":"2025-01-15T00:30:00Z","energy_kwh":1}])");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc outcome(r.body);
  EXPECT_EQ(outcome.Int("/accepted"), 2);
  EXPECT_EQ(outcome.Int("/registered"), 1);
  EXPECT_EQ(Get(std::string(kMeters) + "/AUTO-1").status, 200);
  TestResponse grid = Post(std::string(kOperators) + "/GRID-AUTO/status",
                           R"([{"timestamp":"2025-01-15T00:00:00Z","load_mw":500}])");
  ASSERT_EQ(grid.status, 200) << grid.body;
  EXPECT_EQ(JsonDoc(grid.body).Int("/registered"), 1);
  EXPECT_EQ(JsonDoc(Get(std::string(kOperators) + "/GRID-AUTO").body).String("/name"), "GRID-AUTO")
      << "the id stands in for the required name";
  // Weather stations need coordinates, which observations do not carry.
  TestResponse wx = Post(std::string(kStations) + "/WX-AUTO/observations",
                         R"([{"timestamp":"2025-01-15T00:00:00Z","temperature_c":1}])");
  EXPECT_TRUE(IsApiError(wx, 404, "not_found"));
}

}  // namespace
}  // namespace metrify::test
