// The rate limit of scaled mode end to end: two `metrify serve` replicas
// sharing one Redis 7 (support/redis_server.h) spend one budget per client,
// so what one replica let through counts on the other; with Redis stopped
// both serve without a limit (fail open) and count it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/scaled_cluster.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

TEST(RedisApiRateLimitTest, TwoReplicasShareOneBudgetAndFailOpenWithoutRedis) {
  RedisServer redis;
  // An hour's window: the test never straddles a window boundary.
  ScaledCluster cluster({{"METRIFY_REDIS_URL", redis.url()},
                         {"METRIFY_RATELIMIT_REQUESTS", "4"},
                         {"METRIFY_RATELIMIT_WINDOW_S", "3600"}});
  ServerProcess& first = cluster.StartApi();
  ServerProcess second({.env = {{"METRIFY_CONFIG", cluster.config_path()},
                                {"METRIFY_REDIS_URL", redis.url()},
                                {"METRIFY_RATELIMIT_REQUESTS", "4"},
                                {"METRIFY_RATELIMIT_WINDOW_S", "3600"}},
                        .args = {}});
  TestHttpClient a("127.0.0.1", first.port());
  TestHttpClient b("127.0.0.1", second.port());

  for (int i = 0; i < 3; ++i) {
    TestResponse r = a.Get("/api/v1/smart-meters");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("RateLimit-Remaining"), std::to_string(3 - i));
  }
  // The last request of the budget, on the other replica.
  TestResponse last = b.Get("/api/v1/smart-meters");
  ASSERT_EQ(last.status, 200) << last.body;
  EXPECT_EQ(last.Header("RateLimit-Remaining"), "0");
  for (TestHttpClient* replica : {&b, &a}) {
    TestResponse refused = replica->Get("/api/v1/smart-meters");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_THAT(refused.body, HasSubstr(R"("code":"rate_limited")"));
    EXPECT_GE(std::stoi(refused.Header("Retry-After")), 1);
  }
  // Exempt: the probes answer as they would without a limit.
  EXPECT_EQ(b.Get("/health/live").status, 200);
  TestResponse health = b.Get("/health");
  EXPECT_NE(health.status, 429) << health.body;
  EXPECT_EQ(health.Header("RateLimit-Limit"), "");
  EXPECT_THAT(b.Get("/metrics").body, HasSubstr("metrify_ratelimit_rejected_total 1\n"));

  // Redis down: both replicas serve (a cache outage must not take the API
  // down), count it, and log it without the URL's details beyond host:port.
  redis.Stop();
  for (TestHttpClient* replica : {&a, &b}) {
    TestResponse r = replica->Get("/api/v1/smart-meters");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("RateLimit-Limit"), "");
  }
  EXPECT_THAT(a.Get("/metrics").body, HasSubstr("metrify_ratelimit_unavailable_total 1\n"));
  EXPECT_TRUE(first.WaitForLogLine([](std::string_view line) {
    return line.find("rate limiter unavailable") != std::string_view::npos;
  }));

  // Back: the counters started over (Redis keeps nothing), and limit again.
  redis.Start();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(a.Get("/api/v1/smart-meters").status, 200);
  EXPECT_EQ(b.Get("/api/v1/smart-meters").status, 429);
}

}  // namespace
}  // namespace metrify::test
