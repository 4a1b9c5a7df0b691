// Webhooks of a real `metrify serve` configured with alerts.webhook_urls and
// a secret: an alert raised by a reading reaches a real HTTP receiver signed,
// its acknowledgement and resolution follow; a receiver that is down leaves a
// dead letter in registry.db; the secret never shows in the server's log.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "alerts/alert_store.h"
#include "alerts/webhook_signature.h"
#include "alerts/webhook_test_receiver.h"
#include "support/http_client.h"
#include "support/json_doc.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using alerts::test::ReceivedRequest;
using alerts::test::WebhookTestReceiver;

constexpr std::string_view kSecret = "whsec-7f3a9c";
constexpr int64_t kQuarter = 900'000;

int64_t RecentQuarter() {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return now / kQuarter * kQuarter - 3 * 3'600'000;
}

ServerOptions WithWebhook(const std::string& url) {
  return ServerOptions{.env = {{"METRIFY_ALERTS_WEBHOOK_URLS", url},
                               {"METRIFY_ALERTS_WEBHOOK_SECRET", std::string(kSecret)}},
                       .args = {}};
}

void RaiseVoltageAlert(TestHttpClient& http) {
  ASSERT_EQ(http.Post("/api/v1/smart-meters", R"({"id":"WH-1"})").status, 201);
  const std::string body =
      "[{\"timestamp\":" + std::to_string(RecentQuarter()) + ",\"voltage_v\":259.5}]";
  ASSERT_EQ(http.Post("/api/v1/smart-meters/WH-1/readings", body).status, 200);
}

TEST(AlertsWebhook, EveryStepOfAnAlertReachesTheReceiverSigned) {
  WebhookTestReceiver receiver;
  ASSERT_TRUE(receiver.Start().ok());
  ServerProcess server(WithWebhook(receiver.Url("/hooks/metrify")));
  TestHttpClient http("127.0.0.1", server.port());
  RaiseVoltageAlert(http);
  ASSERT_TRUE(receiver.WaitForCount(1)) << "no webhook for the new alert";
  const ReceivedRequest opened = receiver.Requests()[0];
  EXPECT_EQ(opened.request.target, "/hooks/metrify");
  EXPECT_EQ(opened.Header("X-Metrify-Event"), "alert.opened");
  EXPECT_TRUE(alerts::VerifyWebhookSignature(kSecret, opened.Header("X-Metrify-Timestamp"),
                                             opened.request.body,
                                             opened.Header("X-Metrify-Signature")));
  EXPECT_FALSE(alerts::VerifyWebhookSignature("another", opened.Header("X-Metrify-Timestamp"),
                                              opened.request.body,
                                              opened.Header("X-Metrify-Signature")));
  JsonDoc alert(opened.request.body);
  EXPECT_EQ(alert.String("/rule"), "voltage_high");
  EXPECT_EQ(alert.String("/source_id"), "WH-1");
  EXPECT_EQ(alert.String("/state"), "OPEN");

  const std::string path = "/api/v1/alerts/" + std::to_string(alert.Int("/id"));
  ASSERT_EQ(http.Post(path + "/acknowledge", R"({"by":"k.weber"})").status, 200);
  ASSERT_EQ(http.Post(path + "/resolve", R"({"by":"k.weber","note":"tap changed"})").status, 200);
  ASSERT_TRUE(receiver.WaitForCount(3));
  const std::vector<ReceivedRequest> all = receiver.Requests();
  EXPECT_EQ(all[1].Header("X-Metrify-Event"), "alert.acknowledged");
  EXPECT_EQ(all[2].Header("X-Metrify-Event"), "alert.resolved");
  EXPECT_EQ(JsonDoc(all[2].request.body).String("/state"), "RESOLVED");
  EXPECT_EQ(JsonDoc(all[2].request.body).String("/resolved/note"), "tap changed");
  server.Stop();
  EXPECT_EQ(server.log().find(kSecret), std::string::npos) << "the secret is in the log";
}

TEST(AlertsWebhook, AReceiverThatIsDownLeavesADeadLetter) {
  // A port nobody listens on: the receiver is started and stopped again.
  WebhookTestReceiver gone;
  ASSERT_TRUE(gone.Start().ok());
  const std::string url = gone.Url("/down");
  gone.Stop();
  ServerProcess server(WithWebhook(url));
  TestHttpClient http("127.0.0.1", server.port());
  RaiseVoltageAlert(http);
  // Six attempts over about 31 s is the default; the server's stop tries
  // once more and then gives up what is still queued.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.Stop();
  auto store = alerts::AlertStore::Open(server.data_dir() + "/registry.db");
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto letters = (*store)->DeadLetters(10);
  ASSERT_TRUE(letters.has_value());
  ASSERT_EQ(letters->size(), 1u);
  const alerts::DeadLetter& letter = letters->front();
  EXPECT_EQ(letter.event, "alert.opened");
  EXPECT_EQ(letter.url, url);
  EXPECT_GE(letter.attempts, 1);
  EXPECT_NE(letter.last_error.find("shutdown"), std::string::npos) << letter.last_error;
  EXPECT_EQ(JsonDoc(letter.payload).String("/rule"), "voltage_high");
  EXPECT_EQ(letter.payload.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace metrify::test
