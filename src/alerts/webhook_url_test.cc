// Webhook URLs (http only, checked at construction) and the retry backoff.
#include <gtest/gtest.h>

#include "alerts/webhook.h"
#include "alerts/webhook_url.h"

namespace metrify::alerts {
namespace {

using std::chrono::milliseconds;

TEST(WebhookUrlTest, SplitsHostPortAndTarget) {
  Result<WebhookUrl> url =
      ParseWebhookUrl("http://alerts.example.net:8081/hooks/metrify?team=grid");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(url->host, "alerts.example.net");
  EXPECT_EQ(url->port, "8081");
  EXPECT_EQ(url->target, "/hooks/metrify?team=grid");
  EXPECT_EQ(url->host_header, "alerts.example.net:8081");
  EXPECT_EQ(url->text, "http://alerts.example.net:8081/hooks/metrify?team=grid");
}

TEST(WebhookUrlTest, DefaultsToPort80AndRootPath) {
  Result<WebhookUrl> url = ParseWebhookUrl("http://receiver");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->host_header, "receiver");
  Result<WebhookUrl> query = ParseWebhookUrl("http://receiver:9000?x=1");
  ASSERT_TRUE(query.has_value()) << query.error().ToString();
  EXPECT_EQ(query->target, "/?x=1");
}

TEST(WebhookUrlTest, AcceptsBracketedIpv6) {
  Result<WebhookUrl> url = ParseWebhookUrl("http://[::1]:8080/hook");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->host_header, "[::1]:8080");
}

TEST(WebhookUrlTest, RefusesHttpsNamingTheUrl) {
  for (const char* text : {"https://alerts.example.net/hook", "HTTPS://alerts.example.net/hook"}) {
    Result<WebhookUrl> url = ParseWebhookUrl(text);
    ASSERT_FALSE(url.has_value()) << text;
    EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(url.error().message().find(text), std::string::npos) << url.error().message();
    EXPECT_NE(url.error().message().find("uses https"), std::string::npos) << url.error().message();
  }
}

TEST(WebhookUrlTest, RefusesMalformedUrlsNamingThem) {
  for (const char* text :
       {"", "ftp://receiver/hook", "receiver:8080/hook", "http://", "http:///hook", "http://:80/",
        "http://receiver:0/", "http://receiver:65536/", "http://receiver:abc/",
        "http://receiver:/hook", "http://receiver:80:81/", "http://re ceiver/",
        "http://receiver/a b", "http://receiver/hook#part", "http://[::1/hook",
        "http://rec%65iver/"}) {
    Result<WebhookUrl> url = ParseWebhookUrl(text);
    ASSERT_FALSE(url.has_value()) << "accepted: " << text;
    EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(url.error().message().find(std::string("\"") + text + "\""), std::string::npos)
        << url.error().message();
  }
}

TEST(WebhookUrlTest, RefusesCredentialsWithoutEchoingThem) {
  Result<WebhookUrl> url = ParseWebhookUrl("http://ops:hunter2@receiver:8080/hook");
  ASSERT_FALSE(url.has_value());
  EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(url.error().message().find("hunter2"), std::string::npos) << url.error().message();
  EXPECT_NE(url.error().message().find("http://***@receiver:8080/hook"), std::string::npos)
      << url.error().message();
}

TEST(WebhookBackoffTest, DoublesFromTheFirstBackoffUpToTheCap) {
  WebhookConfig config;  // 1 s, doubling, capped at 60 s
  const int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (int failures = 1; failures <= 8; ++failures) {
    EXPECT_EQ(WebhookBackoff(config, failures, 0.0).count(), expected[failures - 1]) << failures;
  }
  EXPECT_EQ(WebhookBackoff(config, 1000, 0.0), milliseconds(60000));  // no overflow
}

TEST(WebhookBackoffTest, JitterShortensByAtMostOneFifth) {
  WebhookConfig config;
  config.first_backoff = milliseconds(100);
  config.max_backoff = milliseconds(250);
  EXPECT_EQ(WebhookBackoff(config, 1, 0.5), milliseconds(90));
  EXPECT_EQ(WebhookBackoff(config, 2, 0.999), milliseconds(161));  // ceil(200 * 0.8002)
  EXPECT_EQ(WebhookBackoff(config, 3, 0.5), milliseconds(225));    // capped, then jittered
  for (int i = 0; i < 100; ++i) {
    double jitter = i / 100.0;
    milliseconds wait = WebhookBackoff(config, 5, jitter);
    EXPECT_GE(wait, milliseconds(200));
    EXPECT_LE(wait, milliseconds(250));
  }
}

}  // namespace
}  // namespace metrify::alerts
