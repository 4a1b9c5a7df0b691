// Detection and alerts in scaled mode end to end on loopback
// (support/scaled_cluster.h): an overvoltage posted to a scaled `serve` is
// judged by the ingest worker that stores it, published on metrify.alerts,
// made an alert by `metrify worker monitor` (visible through the API, told
// to a webhook receiver); so is VEE's verdict on a stuck register, which
// puts the meter to FAULTY; a meter that stops while another goes on gets a
// no_data alert from the monitor's sweep of latest_samples; and of two
// monitors the standby takes over when the leader is killed with SIGKILL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <thread>

#include "alerts/webhook_test_receiver.h"
#include "support/http_client.h"
#include "support/scaled_cluster.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

// Quarter hours first..first+count-1 of `meter` at 230 V, the last one at
// `last_volts`.
std::string Readings(const std::string& meter, int first, int count, double last_volts = 230) {
  std::string body = "[";
  for (int i = first; i < first + count; ++i) {
    if (i > first) body += ',';
    body +=
        fmt::format(R"({{"meter_id":"{}","timestamp":{},"energy_kwh":0.1,"voltage_v":{}}})", meter,
                    kMonday + (i + 1) * kQuarter, i == first + count - 1 ? last_volts : 230.0);
  }
  return body + "]";
}

// Polls `get` until its body has every one of `wanted`, for up to `limit`.
std::string WaitForBody(const std::function<std::string()>& get,
                        const std::vector<std::string>& wanted,
                        std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    body = get();
    bool all = true;
    for (const std::string& w : wanted) all = all && body.find(w) != std::string::npos;
    if (all) return body;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return body;
}

void CreateMeters(TestHttpClient& api, int n) {
  for (int m = 0; m < n; ++m) {
    TestResponse r = api.Post("/api/v1/smart-meters", fmt::format(R"({{"id":"SM{:03}"}})", m));
    ASSERT_EQ(r.status, 201) << r.body;
  }
}

TEST(ScaledMonitorTest, FindingsAndSilenceBecomeAlertsThroughTheMonitor) {
  alerts::test::WebhookTestReceiver receiver;
  ASSERT_TRUE(receiver.Start().ok());
  ScaledCluster cluster;
  cluster.AddConfig(
      fmt::format("alerts:\n  webhook_urls: {}\n  sweep_seconds: 1\n", receiver.Url()));
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  cluster.StartMonitor(0);
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 2);
  // SM000 sends one hour and stops; SM001 goes on for six, its last
  // reading at 260 V (above 250 V: voltage_high), its energy frozen at
  // 0.1 kWh all along (VEE's flat_line: stuck_register, CRITICAL).
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 4)).status, 200);
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM001", 0, 24, 260)).status, 200);

  const std::string alerts =
      WaitForBody([&] { return client.Get("/api/v1/alerts?state=OPEN").body; },
                  {R"("rule":"voltage_high")", R"("source_id":"SM001")", R"("rule":"no_data")",
                   R"("source_id":"SM000")", R"("rule":"stuck_register")"});
  EXPECT_THAT(alerts, HasSubstr(R"("rule":"voltage_high")")) << cluster.monitor_log(0);
  EXPECT_THAT(alerts, HasSubstr(R"("value":260)"));
  EXPECT_THAT(alerts, HasSubstr(R"("rule":"no_data")")) << cluster.monitor_log(0);
  TestResponse voltage = client.Get("/api/v1/alerts?source=meter:SM001&rule=voltage_high");
  EXPECT_THAT(voltage.body, HasSubstr(R"("total_count":1)")) << voltage.body;
  EXPECT_THAT(voltage.body, HasSubstr(R"("state":"OPEN")"));
  TestResponse silent = client.Get("/api/v1/alerts?source=meter:SM000&rule=no_data");
  EXPECT_THAT(silent.body, HasSubstr(R"("total_count":1)")) << silent.body;
  TestResponse others = client.Get("/api/v1/alerts?source=meter:SM001&rule=no_data");
  EXPECT_THAT(others.body, HasSubstr(R"("total_count":0)")) << "SM001 kept sending";
  EXPECT_THAT(client.Get("/api/v1/alerts?source=meter:SM001&rule=stuck_register").body,
              HasSubstr(R"("severity":"CRITICAL")"));
  EXPECT_THAT(WaitForBody([&] { return client.Get("/api/v1/smart-meters/SM001").body; },
                          {R"("status":"FAULTY")"}),
              HasSubstr(R"("status":"FAULTY")"))
      << "the monitor keeps the meter's status";

  // The webhook heard of all three, from the monitor.
  ASSERT_TRUE(receiver.WaitForCount(3)) << cluster.monitor_log(0);
  std::string bodies;
  for (const auto& r : receiver.Requests()) {
    EXPECT_EQ(r.Header("X-Metrify-Event"), "alert.opened");
    bodies += r.request.body;
  }
  EXPECT_THAT(bodies, HasSubstr(R"("rule":"voltage_high")"));
  EXPECT_THAT(bodies, HasSubstr(R"("rule":"no_data")"));

  TestHttpClient monitor("127.0.0.1", cluster.monitor_port(0));
  EXPECT_THAT(monitor.Get("/health").body, HasSubstr(R"("role":"leader")"));
  // The lag is known from the consumer's statistics, refreshed every second.
  const std::string metrics = WaitForBody([&] { return monitor.Get("/metrics").body; },
                                          {R"(metrify_kafka_consumer_lag{topic="metrify.alerts")"});
  EXPECT_THAT(metrics, HasSubstr("metrify_alerts_opened_total 3"))
      << client.Get("/api/v1/alerts").body;
  EXPECT_THAT(metrics, HasSubstr(R"(metrify_kafka_consumer_lag{topic="metrify.alerts")"));
  EXPECT_THAT(metrics, HasSubstr(R"(metrify_monitor_reports_total{outcome="applied"})"));
  EXPECT_EQ(cluster.StopMonitor(0, SIGTERM), 0) << cluster.monitor_log(0);
  EXPECT_EQ(cluster.StopWorker(0, SIGTERM), 0) << cluster.worker_log(0);
}

TEST(ScaledMonitorTest, TheStandbyTakesOverWhenTheLeaderIsKilled) {
  ScaledCluster cluster;
  cluster.AddConfig("alerts:\n  sweep_seconds: 1\n");
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  cluster.StartMonitor(0);
  TestHttpClient first("127.0.0.1", cluster.monitor_port(0));
  const auto role = [](TestHttpClient& c) { return c.Get("/health").body; };
  ASSERT_THAT(WaitForBody([&] { return role(first); }, {R"("role":"leader")"}),
              HasSubstr(R"("role":"leader")"))
      << cluster.monitor_log(0);
  cluster.StartMonitor(1);
  TestHttpClient second("127.0.0.1", cluster.monitor_port(1));
  TestResponse standby = second.Get("/health");
  EXPECT_EQ(standby.status, 200) << standby.body;
  EXPECT_THAT(standby.body, HasSubstr(R"("role":"standby")"));

  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 1);
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 2, 261)).status, 200);
  ASSERT_THAT(
      WaitForBody([&] { return client.Get("/api/v1/alerts").body; }, {R"("total_count":1)"}),
      HasSubstr(R"("rule":"voltage_high")"))
      << cluster.monitor_log(0);

  cluster.StopMonitor(0, SIGKILL);
  // A new finding (another meter-day) while no one leads: it waits on
  // metrify.alerts for the new leader.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 96, 2, 262)).status, 200);
  EXPECT_THAT(WaitForBody([&] { return role(second); }, {R"("role":"leader")"}),
              HasSubstr(R"("role":"leader")"))
      << cluster.monitor_log(1);
  const std::string folded =
      WaitForBody([&] { return client.Get("/api/v1/alerts?rule=voltage_high").body; },
                  {R"("count":2)"}, std::chrono::seconds(40));
  EXPECT_THAT(folded, HasSubstr(R"("count":2)")) << cluster.monitor_log(1);
  EXPECT_THAT(folded, HasSubstr(R"("value":262)"));
  EXPECT_EQ(cluster.StopMonitor(1, SIGTERM), 0) << cluster.monitor_log(1);
}

}  // namespace
}  // namespace metrify::test
