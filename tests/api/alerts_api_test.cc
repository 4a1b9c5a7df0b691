// Alerts through the real server: readings with a high voltage (and other
// meter rules) are judged by detection, which raises alerts within a moment;
// the list with each filter and paging, one alert, repeats folded into one
// alert, acknowledge then resolve with their 404s, 409s and 422s, an alert
// resolving itself once the voltage stayed normal, the anomaly counts per
// group, and the 503 of a server without alerts.
//
// Tests of a shared suite use their own meters and filter by source, since
// other tests' alerts (and no_data alerts of silent meters) are there too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kQuarter = 900'000;
constexpr int64_t kHour = 3'600'000;

// A quarter-hour interval end a few hours before now: readings must not be
// in the future, and recent data keeps the silence detector quiet.
int64_t RecentQuarter(int hours_back = 3) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return now / kQuarter * kQuarter - hours_back * kHour;
}

class AlertsApiTest : public ServerTest {
 protected:
  void Meter(const std::string& id) {
    ASSERT_EQ(Post(kMeters, R"({"id":")" + id + R"("})").status, 201) << id;
  }
  // One reading of `field` (voltage_v, frequency_hz, ...) at `at_ms`.
  void Reading(const std::string& meter, int64_t at_ms, std::string_view field, double value) {
    const std::string body = "[{\"timestamp\":" + std::to_string(at_ms) + ",\"" +
                             std::string(field) + "\":" + std::to_string(value) + "}]";
    TestResponse r = Post(ItemPath(kMeters, meter) + "/readings", body);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JsonDoc(r.body).Int("/accepted"), 1) << r.body;
  }
  JsonDoc List(const std::string& query) {
    TestResponse r = Get("/api/v1/alerts?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return JsonDoc(r.body);
  }
  // Polls the list with `query` until `done` holds (detection runs beside
  // ingest, so an alert shows a moment after its reading); the last answer.
  JsonDoc WaitFor(const std::string& query, const std::function<bool(const JsonDoc&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
      JsonDoc doc = List(query);
      if (done(doc) || std::chrono::steady_clock::now() > deadline) return doc;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // Waits until `meter` has `alerts` alerts; returns the list (newest first).
  JsonDoc WaitForAlerts(const std::string& meter, int64_t alerts, std::string extra = "") {
    JsonDoc doc = WaitFor("source=meter:" + meter + extra,
                          [&](const JsonDoc& d) { return d.Int("/total_count") >= alerts; });
    EXPECT_EQ(doc.Int("/total_count"), alerts) << doc.text();
    return doc;
  }
  // A meter with one open voltage_high alert; returns its id.
  int64_t MeterWithAlert(const std::string& meter, int64_t at_ms) {
    Meter(meter);
    Reading(meter, at_ms, "voltage_v", 258);
    JsonDoc doc = WaitForAlerts(meter, 1);
    return doc.Size("/items") == 1 ? doc.Int("/items/0/id") : -1;
  }
  std::string AlertPath(int64_t id, std::string_view step = "") {
    return "/api/v1/alerts/" + std::to_string(id) + (step.empty() ? "" : "/" + std::string(step));
  }
};

TEST_F(AlertsApiTest, AHighVoltageRaisesAnAlertAndRepeatsFoldIntoIt) {
  const int64_t t = RecentQuarter();
  const int64_t id = MeterWithAlert("AL-FOLD", t);
  ASSERT_GT(id, 0);
  JsonDoc first(Get(AlertPath(id)).body);
  EXPECT_EQ(first.Int("/id"), id);
  EXPECT_EQ(first.String("/type"), "meter_rule");
  EXPECT_EQ(first.String("/rule"), "voltage_high");
  EXPECT_EQ(first.String("/severity"), "WARNING");
  EXPECT_EQ(first.String("/state"), "OPEN");
  EXPECT_EQ(first.String("/source_kind"), "meter");
  EXPECT_EQ(first.String("/source_id"), "AL-FOLD");
  EXPECT_THAT(first.String("/message"), HasSubstr("258"));
  EXPECT_EQ(first.Number("/value"), 258);
  EXPECT_EQ(first.Int("/count"), 1);
  EXPECT_EQ(first.String("/first_seen"), first.String("/last_seen"));
  EXPECT_TRUE(first.IsNull("/acknowledged"));
  EXPECT_TRUE(first.IsNull("/resolved"));

  // Two more high readings: the same alert, counted, last_seen the newest.
  Reading("AL-FOLD", t + kQuarter, "voltage_v", 261);
  Reading("AL-FOLD", t + 2 * kQuarter, "voltage_v", 259);
  JsonDoc folded = WaitFor("source=meter:AL-FOLD",
                           [](const JsonDoc& d) { return d.Int("/items/0/count") >= 3; });
  EXPECT_EQ(folded.Int("/total_count"), 1) << folded.text();
  EXPECT_EQ(folded.Int("/items/0/id"), id);
  EXPECT_EQ(folded.Int("/items/0/count"), 3);
  EXPECT_EQ(folded.Number("/items/0/value"), 259);
  EXPECT_EQ(folded.String("/items/0/first_seen"), first.String("/first_seen"));
  EXPECT_NE(folded.String("/items/0/last_seen"), first.String("/last_seen"));
  JsonDoc got(Get(AlertPath(id)).body);
  EXPECT_EQ(got.Int("/count"), 3);
  EXPECT_EQ(got.String("/last_seen"), folded.String("/items/0/last_seen"));
}

TEST_F(AlertsApiTest, TheListFiltersByEachParameterAndPages) {
  const int64_t t = RecentQuarter();
  Meter("AL-F1");
  Meter("AL-F2");
  Reading("AL-F1", t, "voltage_v", 258);             // voltage_high, WARNING
  Reading("AL-F1", t + kQuarter, "voltage_v", 190);  // voltage_low, WARNING
  Reading("AL-F2", t, "frequency_hz", 51.5);         // frequency_out, CRITICAL
  WaitForAlerts("AL-F1", 2);
  WaitForAlerts("AL-F2", 1);

  JsonDoc f1 = List("source=meter:AL-F1");
  EXPECT_EQ(f1.Int("/page"), 1);
  EXPECT_EQ(f1.Int("/page_size"), 100);
  EXPECT_FALSE(f1.Bool("/has_next"));
  // Newest last_seen first.
  EXPECT_THAT(f1.Strings("/items", "rule"), ElementsAre("voltage_low", "voltage_high"));

  auto rules = [&](const std::string& query) { return List(query).Strings("/items", "rule"); };
  EXPECT_THAT(rules("source=meter:AL-F1&rule=voltage_high"), ElementsAre("voltage_high"));
  EXPECT_THAT(rules("source=meter:AL-F2&severity=critical"), ElementsAre("frequency_out"));
  EXPECT_THAT(rules("source=meter:AL-F2&severity=WARNING"), ElementsAre());
  EXPECT_THAT(rules("source=meter:AL-F1&state=open"), ElementsAre("voltage_low", "voltage_high"));
  EXPECT_THAT(rules("source=meter:AL-F1&state=RESOLVED"), ElementsAre());
  EXPECT_THAT(rules("source=meter:AL-F1&type=meter_rule"),
              ElementsAre("voltage_low", "voltage_high"));
  EXPECT_THAT(rules("source=meter:AL-F1&type=consumption"), ElementsAre());
  // since: last_seen at or after it; RFC 3339 or epoch ms.
  EXPECT_THAT(rules("source=meter:AL-F1&since=" + std::to_string(t + kQuarter)),
              ElementsAre("voltage_low"));
  EXPECT_THAT(rules("source=meter:AL-F1&since=" + std::to_string(t + 2 * kQuarter)), ElementsAre());
  EXPECT_THAT(rules("source=meter:AL-F1&since=2000-01-01T00:00:00Z"),
              ElementsAre("voltage_low", "voltage_high"));
  // A kind alone: every meter's (other tests' too), no grid operator's.
  JsonDoc meters = List("source=meter&page_size=1000");
  EXPECT_THAT(meters.Strings("/items", "source_id"), Contains("AL-F2"));
  EXPECT_THAT(meters.Strings("/items", "source_kind"), testing::Each("meter"));
  EXPECT_EQ(List("source=grid_operator:AL-F1").Int("/total_count"), 0);
  EXPECT_EQ(List("source=meter:al-f1").Int("/total_count"), 0) << "ids are case-sensitive";

  // Pages of one.
  JsonDoc p1 = List("source=meter:AL-F1&page_size=1");
  EXPECT_EQ(p1.Int("/total_count"), 2);
  EXPECT_EQ(p1.Int("/page_size"), 1);
  EXPECT_TRUE(p1.Bool("/has_next"));
  EXPECT_THAT(p1.Strings("/items", "rule"), ElementsAre("voltage_low"));
  JsonDoc p2 = List("source=meter:AL-F1&page_size=1&page=2");
  EXPECT_EQ(p2.Int("/page"), 2);
  EXPECT_FALSE(p2.Bool("/has_next"));
  EXPECT_THAT(p2.Strings("/items", "rule"), ElementsAre("voltage_high"));
  EXPECT_EQ(List("source=meter:AL-F1&page_size=1&page=3").Size("/items"), 0u);
}

TEST_F(AlertsApiTest, BadListParametersAre422NamingEachWithTheChoices) {
  TestResponse r =
      Get("/api/v1/alerts?state=closed&severity=urgent&source=pump:7&type=voltage&since=yesterday&"
          "page=0&page_size=1001&stat=OPEN&rule=");
  ASSERT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(
      ErrorDetails(r),
      ElementsAre("stat:unknown_parameter", "state:invalid_choice", "severity:invalid_choice",
                  "source:invalid_choice", "type:invalid_choice", "rule:invalid_value",
                  "since:invalid_timestamp", "page:out_of_range", "page_size:out_of_range"));
  EXPECT_THAT(r.body, AllOf(HasSubstr("OPEN, ACKNOWLEDGED or RESOLVED"),
                            HasSubstr("INFO, WARNING or CRITICAL"),
                            HasSubstr("meter, grid_operator or weather_station"),
                            HasSubstr("meter_rule, consumption, no_data, meter_fault, grid or "
                                      "weather")));
  TestResponse no_id = Get("/api/v1/alerts?source=meter:");
  ASSERT_TRUE(IsApiError(no_id, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(no_id), ElementsAre("source:invalid_value"));
}

TEST_F(AlertsApiTest, AcknowledgeThenResolveAndWhatIsRefused) {
  const int64_t t = RecentQuarter();
  const int64_t id = MeterWithAlert("AL-STEPS", t);
  ASSERT_GT(id, 0);

  TestResponse ack = Post(AlertPath(id, "acknowledge"), R"({"by":"j.schmidt","note":"crew sent"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  JsonDoc acked(ack.body);
  EXPECT_EQ(acked.Int("/id"), id);
  EXPECT_EQ(acked.String("/state"), "ACKNOWLEDGED");
  EXPECT_EQ(acked.String("/acknowledged/by"), "j.schmidt");
  EXPECT_EQ(acked.String("/acknowledged/note"), "crew sent");
  EXPECT_TRUE(acked.Has("/acknowledged/at"));
  EXPECT_TRUE(acked.IsNull("/resolved"));
  EXPECT_EQ(JsonDoc(Get(AlertPath(id)).body).String("/state"), "ACKNOWLEDGED");
  EXPECT_EQ(List("source=meter:AL-STEPS&state=ACKNOWLEDGED").Int("/total_count"), 1);

  TestResponse again = Post(AlertPath(id, "acknowledge"), R"({"by":"k.weber"})");
  ASSERT_TRUE(IsApiError(again, 409, "conflict"));
  EXPECT_THAT(again.body, HasSubstr("ACKNOWLEDGED"));

  // An acknowledged alert still folds repeats.
  Reading("AL-STEPS", t + kQuarter, "voltage_v", 262);
  JsonDoc folded = WaitFor("source=meter:AL-STEPS",
                           [](const JsonDoc& d) { return d.Int("/items/0/count") >= 2; });
  EXPECT_EQ(folded.Int("/items/0/count"), 2);
  EXPECT_EQ(folded.String("/items/0/state"), "ACKNOWLEDGED");

  TestResponse resolve = Post(AlertPath(id, "resolve"), R"({"by":"j.schmidt"})");
  ASSERT_EQ(resolve.status, 200) << resolve.body;
  JsonDoc resolved(resolve.body);
  EXPECT_EQ(resolved.String("/state"), "RESOLVED");
  EXPECT_EQ(resolved.String("/resolved/by"), "j.schmidt");
  EXPECT_EQ(resolved.String("/resolved/note"), "");
  EXPECT_EQ(resolved.String("/acknowledged/by"), "j.schmidt") << "the earlier step is kept";

  TestResponse twice = Post(AlertPath(id, "resolve"), R"({"by":"j.schmidt"})");
  ASSERT_TRUE(IsApiError(twice, 409, "conflict"));
  EXPECT_THAT(twice.body, HasSubstr("RESOLVED"));
  TestResponse late_ack = Post(AlertPath(id, "acknowledge"), R"({"by":"j.schmidt"})");
  ASSERT_TRUE(IsApiError(late_ack, 409, "conflict"));
  EXPECT_THAT(late_ack.body, HasSubstr("RESOLVED"));

  // The key is free again: the next high reading opens a new alert.
  Reading("AL-STEPS", t + 2 * kQuarter, "voltage_v", 258);
  JsonDoc two = WaitForAlerts("AL-STEPS", 2);
  EXPECT_NE(two.Int("/items/0/id"), id);
  EXPECT_EQ(two.String("/items/0/state"), "OPEN");
  EXPECT_EQ(two.Int("/items/0/count"), 1);
  // An OPEN alert may be resolved at once.
  TestResponse direct =
      Post(AlertPath(two.Int("/items/0/id"), "resolve"), R"({"by":"ops","note":"known"})");
  ASSERT_EQ(direct.status, 200) << direct.body;
  EXPECT_TRUE(JsonDoc(direct.body).IsNull("/acknowledged"));
}

TEST_F(AlertsApiTest, UnknownIdsAre404AndBadBodies422Or400) {
  const int64_t id = MeterWithAlert("AL-BAD", RecentQuarter());
  ASSERT_GT(id, 0);
  for (const std::string& path :
       {std::string("/api/v1/alerts/999999"), std::string("/api/v1/alerts/abc"),
        std::string("/api/v1/alerts/0"), std::string("/api/v1/alerts/-1")}) {
    EXPECT_TRUE(IsApiError(Get(path), 404, "not_found")) << path;
    EXPECT_TRUE(IsApiError(Post(path + "/acknowledge", R"({"by":"x"})"), 404, "not_found")) << path;
    EXPECT_TRUE(IsApiError(Post(path + "/resolve", R"({"by":"x"})"), 404, "not_found")) << path;
  }
  const std::string ack = AlertPath(id, "acknowledge");
  auto details = [&](std::string body) {
    TestResponse r = Post(ack, std::move(body));
    EXPECT_TRUE(IsApiError(r, 422, "validation_failed")) << r.body;
    return ErrorDetails(r);
  };
  EXPECT_THAT(details("{}"), ElementsAre("by:required"));
  EXPECT_THAT(details(""), ElementsAre("by:required"));
  EXPECT_THAT(details(R"({"by":"  "})"), ElementsAre("by:required"));
  EXPECT_THAT(details(R"({"by":7})"), ElementsAre("by:required"));
  EXPECT_THAT(details(R"({"by":"x","note":3})"), ElementsAre("note:wrong_type"));
  EXPECT_THAT(details(R"({"by":"x","reason":"r"})"), ElementsAre("reason:unknown_field"));
  EXPECT_TRUE(IsApiError(Post(ack, "{bad"), 400, "invalid_json"));
  EXPECT_TRUE(IsApiError(Post(AlertPath(id, "resolve"), "{}"), 422, "validation_failed"));
  // None of it changed the alert; a null note is no note.
  EXPECT_EQ(JsonDoc(Get(AlertPath(id)).body).String("/state"), "OPEN");
  TestResponse ok = Post(ack, R"({"by":"x","note":null})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(JsonDoc(ok.body).String("/acknowledged/note"), "");
  EXPECT_TRUE(IsApiError(Post("/api/v1/alerts/1/close", "{}"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(http().Request("DELETE", AlertPath(id)), 405, "method_not_allowed"));
}

// auto_resolve.meter_rule is one hour of data time: normal readings for
// longer than that resolve the alert, by "metrify".
TEST_F(AlertsApiTest, AnAlertResolvesItselfOnceTheVoltageStayedNormal) {
  const int64_t t = RecentQuarter(4);
  const int64_t id = MeterWithAlert("AL-CLEAR", t);
  ASSERT_GT(id, 0);
  std::string body = "[";
  for (int i = 1; i <= 6; ++i) {
    body += (i > 1 ? "," : "") + std::string("{\"timestamp\":") + std::to_string(t + i * kQuarter) +
            ",\"voltage_v\":230}";
  }
  body += "]";
  TestResponse r = Post(ItemPath(kMeters, "AL-CLEAR") + "/readings", body);
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc = WaitFor("source=meter:AL-CLEAR", [](const JsonDoc& d) {
    return d.Size("/items") > 0 && d.String("/items/0/state") == "RESOLVED";
  });
  ASSERT_EQ(doc.Int("/total_count"), 1) << doc.text();
  EXPECT_EQ(doc.String("/items/0/state"), "RESOLVED") << doc.text();
  EXPECT_EQ(doc.String("/items/0/resolved/by"), "metrify");
  EXPECT_EQ(doc.Int("/items/0/count"), 1) << "normal readings are no findings";
}

TEST_F(AlertsApiTest, AnomaliesCountAlertsPerTypeSeverityAndSource) {
  const int64_t t = RecentQuarter();
  Meter("AL-ANOM");
  Reading("AL-ANOM", t, "voltage_v", 258);
  Reading("AL-ANOM", t + kQuarter, "voltage_v", 259);  // folds: 2 occurrences
  Reading("AL-ANOM", t + kQuarter, "frequency_hz", 51.5);
  JsonDoc both = WaitFor("source=meter:AL-ANOM", [](const JsonDoc& d) {
    return d.Int("/total_count") >= 2 && d.Int("/items/1/count") + d.Int("/items/0/count") >= 3;
  });
  ASSERT_EQ(both.Int("/total_count"), 2) << both.text();
  const std::string range =
      "start=" + std::to_string(t - kHour) + "&end=" + std::to_string(t + kHour);

  auto group = [&](const JsonDoc& doc, const std::string& key) -> std::optional<size_t> {
    for (size_t i = 0; i < doc.Size("/groups"); ++i) {
      if (doc.String("/groups/" + std::to_string(i) + "/key") == key) return i;
    }
    return std::nullopt;
  };
  auto anomalies = [&](const std::string& query) {
    TestResponse r = Get("/api/v1/analytics/anomalies?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return JsonDoc(r.body);
  };

  JsonDoc by_source = anomalies(range + "&group_by=source");
  EXPECT_EQ(by_source.String("/group_by"), "source");
  auto mine = group(by_source, "meter:AL-ANOM");
  ASSERT_TRUE(mine) << by_source.text();
  const std::string at = "/groups/" + std::to_string(*mine);
  EXPECT_EQ(by_source.Int(at + "/alerts"), 2);
  EXPECT_EQ(by_source.Int(at + "/occurrences"), 3);
  EXPECT_EQ(by_source.Int(at + "/open"), 2);

  // Other tests' alerts may be counted too: at least this meter's.
  JsonDoc by_type = anomalies(range + "&group_by=type");
  EXPECT_EQ(by_type.String("/group_by"), "type");
  auto rule = group(by_type, "meter_rule");
  ASSERT_TRUE(rule) << by_type.text();
  EXPECT_GE(by_type.Int("/groups/" + std::to_string(*rule) + "/alerts"), 2);
  EXPECT_GE(by_type.Int("/groups/" + std::to_string(*rule) + "/occurrences"), 3);
  JsonDoc by_severity = anomalies(range + "&group_by=severity");
  EXPECT_TRUE(group(by_severity, "WARNING")) << by_severity.text();
  EXPECT_TRUE(group(by_severity, "CRITICAL")) << by_severity.text();
  // type is the default grouping; the default range is the 7 days before now.
  JsonDoc defaults = anomalies("");
  EXPECT_EQ(defaults.String("/group_by"), "type");
  EXPECT_TRUE(group(defaults, "meter_rule")) << defaults.text();
  EXPECT_TRUE(group(anomalies("group_by=source"), "meter:AL-ANOM"));
  // Resolving one leaves one open.
  ASSERT_EQ(Post(AlertPath(both.Int("/items/0/id"), "resolve"), R"({"by":"x"})").status, 200);
  JsonDoc after = anomalies(range + "&group_by=source");
  auto again = group(after, "meter:AL-ANOM");
  ASSERT_TRUE(again);
  EXPECT_EQ(after.Int("/groups/" + std::to_string(*again) + "/alerts"), 2);
  EXPECT_EQ(after.Int("/groups/" + std::to_string(*again) + "/open"), 1);
  // A range before the alerts counts nothing of them.
  JsonDoc before = anomalies("start=" + std::to_string(t - 3 * kHour) +
                             "&end=" + std::to_string(t - 2 * kHour) + "&group_by=source");
  EXPECT_FALSE(group(before, "meter:AL-ANOM"));
  // RFC 3339 bounds are echoed as instants.
  JsonDoc rfc = anomalies("start=2026-03-01T00:00:00%2B01:00&end=2026-03-02T00:00:00Z");
  EXPECT_EQ(rfc.String("/start"), "2026-02-28T23:00:00Z");
  EXPECT_EQ(rfc.String("/end"), "2026-03-02T00:00:00Z");
}

TEST_F(AlertsApiTest, BadAnomalyParametersAre422) {
  TestResponse bad = Get("/api/v1/analytics/anomalies?group_by=rule");
  ASSERT_TRUE(IsApiError(bad, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(bad), ElementsAre("group_by:invalid_choice"));
  EXPECT_THAT(bad.body, HasSubstr("type, severity or source"));
  TestResponse several =
      Get("/api/v1/analytics/anomalies?start=soon&end=1700000000000&interval=1d");
  ASSERT_TRUE(IsApiError(several, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(several),
              ElementsAre("interval:unknown_parameter", "start:invalid_timestamp"));
  TestResponse reversed = Get("/api/v1/analytics/anomalies?start=1700000000000&end=1700000000000");
  ASSERT_TRUE(IsApiError(reversed, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(reversed), ElementsAre("end:invalid_range"));
  TestResponse future = Get("/api/v1/analytics/anomalies?start=2199-01-01T00:00:00Z");
  ASSERT_TRUE(IsApiError(future, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(future), ElementsAre("end:invalid_range"));
}

// alerts.enabled: false: the routes are there and say so.
class AlertsDisabledApiTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.env = {{"METRIFY_ALERTS_ENABLED", "false"}};
    StartServer(std::move(options));
  }
};

TEST_F(AlertsDisabledApiTest, EveryAlertRouteAnswers503) {
  for (const char* path : {"/api/v1/alerts", "/api/v1/alerts/1", "/api/v1/analytics/anomalies"}) {
    TestResponse r = Get(path);
    EXPECT_TRUE(IsApiError(r, 503, "unavailable")) << path;
    EXPECT_THAT(r.body, HasSubstr("alerts are not enabled")) << path;
  }
  for (const char* step : {"acknowledge", "resolve"}) {
    TestResponse r = Post(std::string("/api/v1/alerts/1/") + step, R"({"by":"x"})");
    EXPECT_TRUE(IsApiError(r, 503, "unavailable")) << step;
  }
}

}  // namespace
}  // namespace metrify::test
