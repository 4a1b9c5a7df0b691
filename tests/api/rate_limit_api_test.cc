// The per-client rate limit of a real embedded server (docs/api.md, "Rate
// limits"): off by default; with ratelimit.requests set, the budget's last
// request passes, the next is 429 with Retry-After, RateLimit-* headers and
// the API's error body; health and metrics are never limited; behind a
// proxy the configured header names the client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/http_client.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

// An hour: a test never straddles a window boundary by accident.
const EnvVars kLimited = {{"METRIFY_RATELIMIT_REQUESTS", "3"},
                          {"METRIFY_RATELIMIT_WINDOW_S", "3600"}};

TEST(RateLimitApiTest, OffByDefault) {
  ServerProcess server;
  TestHttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 20; ++i) {
    TestResponse r = client.Get("/api/v1/smart-meters");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("RateLimit-Limit"), "");
  }
}

TEST(RateLimitApiTest, RequestPastTheBudgetIs429WithRetryAfter) {
  ServerProcess server({.env = kLimited, .args = {}});
  TestHttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    TestResponse r = client.Get("/api/v1/smart-meters");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("RateLimit-Limit"), "3");
    EXPECT_EQ(r.Header("RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(r.Header("RateLimit-Policy"), "3;w=3600");
    const int reset = std::stoi(r.Header("RateLimit-Reset"));
    EXPECT_GE(reset, 1);
    EXPECT_LE(reset, 3600);
  }
  // Any route counts, known or not, and the refusal is the API's error body.
  TestResponse refused = client.Get("/api/v1/grid-operators");
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, HasSubstr(R"({"error":{"code":"rate_limited")"));
  EXPECT_THAT(refused.body, HasSubstr("at most 3 per 3600 s"));
  EXPECT_EQ(refused.Header("RateLimit-Remaining"), "0");
  const int retry = std::stoi(refused.Header("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 3600);
  EXPECT_EQ(client.Post("/api/v1/smart-meters", R"({"id":"SM1"})").status, 429);

  // Probes and scrapers are never refused, nor counted.
  EXPECT_EQ(client.Get("/health").status, 200);
  EXPECT_EQ(client.Get("/health/ready").status, 200);
  TestResponse metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("metrify_ratelimit_rejected_total 2\n"));
  // The refusals are labelled by their route, not "unmatched".
  EXPECT_THAT(metrics.body,
              HasSubstr(R"(method="GET",route="/api/v1/grid-operators",status="429")"));
}

TEST(RateLimitApiTest, ClientHeaderGivesEachClientBehindAProxyItsOwnBudget) {
  EnvVars env = kLimited;
  env.emplace_back("METRIFY_RATELIMIT_CLIENT_HEADER", "X-Forwarded-For");
  ServerProcess server({.env = env, .args = {}});
  TestHttpClient client("127.0.0.1", server.port());
  auto get = [&](const std::string& forwarded) {
    return client.Get("/api/v1/smart-meters", {{"X-Forwarded-For", forwarded}}).status;
  };
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("10.0.0.1"), 200);
  EXPECT_EQ(get("10.0.0.1"), 429);
  // The rightmost entry is the one the proxy appended: what the client
  // claims to its left does not buy it a new budget.
  EXPECT_EQ(get("1.2.3.4, 10.0.0.1"), 429);
  EXPECT_EQ(get("10.0.0.2"), 200);
  EXPECT_EQ(get("10.0.0.1, 10.0.0.2"), 200);
}

}  // namespace
}  // namespace metrify::test
