// GET /api/v1/overview through the real server: zeros on an empty registry,
// meters counted by status, segment, city and operator (also past one page
// of the registry's 1000), open alerts by severity and state, null alerts
// when they are off, and the 422 of a parameter. Then the dashboard files
// that the overview feeds (GET / and GET /ui/{file}), since both are the
// dashboard's surface of the server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kOverview = "/api/v1/overview";

class OverviewTest : public FreshServerTest {
 protected:
  JsonDoc Overview() {
    TestResponse r = Get(kOverview);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.Header("Content-Type"), HasSubstr("application/json"));
    return JsonDoc(r.body);
  }
  void Create(std::string_view base, const std::string& json) {
    TestResponse r = Post(base, json);
    ASSERT_EQ(r.status, 201) << json << ": " << r.body;
  }
};

TEST_F(OverviewTest, AnEmptyRegistryCountsZeros) {
  JsonDoc doc = Overview();
  EXPECT_EQ(doc.Int("/meters/total"), 0);
  EXPECT_EQ(
      doc.Raw("/meters/by_status"),
      R"({"ACTIVE":0,"DECOMMISSIONED":0,"FAULTY":0,"INACTIVE":0,"MAINTENANCE":0,"PENDING":0})");
  EXPECT_EQ(doc.Raw("/meters/by_city"), "[]");
  EXPECT_EQ(doc.Raw("/meters/by_operator"), "[]");
  EXPECT_EQ(doc.Int("/grid_operators"), 0);
  EXPECT_EQ(doc.Int("/weather_stations"), 0);
  EXPECT_EQ(doc.Int("/alerts/open"), 0);
  EXPECT_EQ(doc.Raw("/alerts/by_severity"), R"({"CRITICAL":0,"INFO":0,"WARNING":0})");
  EXPECT_EQ(doc.Raw("/alerts/by_state"), R"({"ACKNOWLEDGED":0,"OPEN":0})");
  if (scaled()) {
    // VEE runs in the ingest workers, whose own /metrics count its backlog.
    EXPECT_TRUE(doc.IsNull("/vee_pending_meters"));
  } else {
    EXPECT_EQ(doc.Int("/vee_pending_meters"), 0);
  }
  EXPECT_FALSE(doc.String("/generated_at").empty());
}

TEST_F(OverviewTest, CountsMetersByStatusSegmentCityAndOperator) {
  Create(kOperators, R"({"id":"TENNET","name":"TenneT","type":"TSO"})");
  Create(kStations, R"({"id":"WS1","name":"Berlin","latitude":52.5,"longitude":13.4})");
  Create(kMeters, R"({"id":"M1","status":"ACTIVE","city":"Berlin","grid_operator_id":"TENNET"})");
  Create(kMeters, R"({"id":"M2","status":"ACTIVE","city":"Berlin","segment":"commercial"})");
  Create(kMeters, R"({"id":"M3","status":"FAULTY","city":"Hamburg","grid_operator_id":"TENNET"})");
  Create(kMeters, R"({"id":"M4","status":"MAINTENANCE"})");

  JsonDoc doc = Overview();
  EXPECT_EQ(doc.Int("/meters/total"), 4);
  EXPECT_EQ(doc.Int("/meters/by_status/ACTIVE"), 2);
  EXPECT_EQ(doc.Int("/meters/by_status/FAULTY"), 1);
  EXPECT_EQ(doc.Int("/meters/by_status/MAINTENANCE"), 1);
  EXPECT_EQ(doc.Int("/meters/by_status/PENDING"), 0);
  EXPECT_EQ(doc.Raw("/meters/by_segment"), R"({"commercial":1,"residential":3})");
  // The largest group first, ties by name; null for meters without one.
  EXPECT_EQ(doc.Raw("/meters/by_city"), R"([{"city":"Berlin","meters":2},{"city":null,"meters":1},)"
                                        R"({"city":"Hamburg","meters":1}])");
  EXPECT_EQ(doc.Raw("/meters/by_operator"),
            R"([{"operator":null,"meters":2},{"operator":"TENNET","meters":2}])");
  EXPECT_EQ(doc.Int("/grid_operators"), 1);
  EXPECT_EQ(doc.Int("/weather_stations"), 1);
}

TEST_F(OverviewTest, CountsEveryMeterPastOnePageOfTheRegistry) {
  std::string csv = "id,status,city\n";
  for (int i = 0; i < 1234; ++i) {
    csv += "P" + std::to_string(100000 + i) + (i % 10 == 0 ? ",INACTIVE," : ",ACTIVE,") +
           (i % 2 ? "Köln" : "Bonn") + "\n";
  }
  TestResponse imported = Post(std::string(kMeters) + "/import", csv, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  ASSERT_EQ(JsonDoc(imported.body).Int("/created"), 1234) << imported.body;

  JsonDoc doc = Overview();
  EXPECT_EQ(doc.Int("/meters/total"), 1234);
  EXPECT_EQ(doc.Int("/meters/by_status/INACTIVE"), 124);
  EXPECT_EQ(doc.Int("/meters/by_status/ACTIVE"), 1110);
  EXPECT_EQ(doc.Raw("/meters/by_city"),
            R"([{"city":"Bonn","meters":617},{"city":"Köln","meters":617}])");
}

TEST_F(OverviewTest, CountsOpenAlertsBySeverityAndState) {
  METRIFY_SKIP_IN_SCALED_MODE(
      "scaled mode's alerts come from `metrify worker monitor`, which the scaled API harness "
      "does not run (ingest workers only publish findings)");
  Create(kMeters, R"({"id":"AL1"})");
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t at = now / 900'000 * 900'000 - 3 * 3'600'000;
  // A high voltage (WARNING) and a frequency far off (CRITICAL).
  std::string body = "[{\"timestamp\":" + std::to_string(at) +
                     ",\"voltage_v\":258},{\"timestamp\":" + std::to_string(at + 900'000) +
                     ",\"frequency_hz\":51.5}]";
  ASSERT_EQ(Post(ItemPath(kMeters, "AL1") + "/readings", body).status, 200);
  JsonDoc doc = Overview();
  for (int i = 0; i < 300 && doc.Int("/alerts/open") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    doc = Overview();
  }
  EXPECT_EQ(doc.Int("/alerts/open"), 2) << doc.text();
  EXPECT_EQ(doc.Raw("/alerts/by_severity"), R"({"CRITICAL":1,"INFO":0,"WARNING":1})");
  EXPECT_EQ(doc.Raw("/alerts/by_state"), R"({"ACKNOWLEDGED":0,"OPEN":2})");

  JsonDoc list(Get("/api/v1/alerts?severity=CRITICAL").body);
  const std::string ack =
      "/api/v1/alerts/" + std::to_string(list.Int("/items/0/id")) + "/acknowledge";
  ASSERT_EQ(Post(ack, R"({"by":"test"})").status, 200);
  EXPECT_EQ(Overview().Raw("/alerts/by_state"), R"({"ACKNOWLEDGED":1,"OPEN":1})");
}

TEST_F(OverviewTest, RefusesParameters) {
  TestResponse r = Get(std::string(kOverview) + "?city=Berlin");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed")) << r.body;
  EXPECT_THAT(ErrorDetails(r), ::testing::ElementsAre("city:unknown_parameter"));
}

class OverviewWithoutAlertsTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.env = {{"METRIFY_ALERTS_ENABLED", "false"}, {"METRIFY_VEE_ENABLED", "false"}};
    StartServer(options);
  }
};

TEST_F(OverviewWithoutAlertsTest, AlertsAndVeeAreNullWhenOff) {
  TestResponse r = Get(kOverview);
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_TRUE(doc.IsNull("/alerts"));
  EXPECT_TRUE(doc.IsNull("/vee_pending_meters"));
}

// ---- the dashboard's files --------------------------------------------------

using DashboardFilesTest = ServerTest;

TEST_F(DashboardFilesTest, TheRootServesThePage) {
  TestResponse r = Get("/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("<script type=\"module\" src=\"/ui/app.js\">"));
  // Only the server's own files: no http(s) URL anywhere in the page.
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("http")));
}

TEST_F(DashboardFilesTest, ScriptsAndStylesHaveTheirTypes) {
  TestResponse js = Get("/ui/app.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("Cache-Control"), "no-cache");
  TestResponse uplot = Get("/ui/uPlot.iife.min.js");
  ASSERT_EQ(uplot.status, 200);
  EXPECT_THAT(uplot.body, HasSubstr("uPlot"));
  TestResponse css = Get("/ui/uPlot.min.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.Header("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(DashboardFilesTest, UnknownFilesAreNotFound) {
  EXPECT_TRUE(IsApiError(Get("/ui/secret.txt"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Get("/ui/..%2Fmetrify.yaml"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Get("/ui/a/b.js"), 404, "not_found"));
}

TEST_F(DashboardFilesTest, OtherRoutesStillAnswer) {
  EXPECT_EQ(Get("/health/live").status, 200);
  EXPECT_EQ(Get("/docs").status, 200);
  EXPECT_EQ(Get("/openapi.json").status, 200);
  EXPECT_EQ(Get("/api/v1/smart-meters").status, 200);
}

}  // namespace
}  // namespace metrify::test
