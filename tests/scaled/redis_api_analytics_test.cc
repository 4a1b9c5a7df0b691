// Cached analytics answers in scaled mode, end to end: the second identical
// consumption request (parameters in any order) is a hit from Redis; once
// the ingest worker stored new readings the answer changes (its bump retired
// the cached one long before the TTL); an API write retires them too; and
// with Redis stopped the API answers uncached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scaled/redis_api_support.h"
#include "support/http_client.h"
#include "support/redis_server.h"

namespace metrify::test {
namespace {

using namespace redis_api;

constexpr char kDay[] = "start=2025-01-13T00:00:00Z&end=2025-01-14T00:00:00Z";

TEST(RedisApiAnalyticsTest, SecondRequestIsAHitAndNewReadingsInvalidate) {
  RedisServer redis;
  ScaledCluster cluster;
  // A TTL far beyond the test: only invalidation can make answers change.
  // Without VEE no overlay write bumps at a moment the test cannot predict.
  AddToConfig(cluster, fmt::format("redis:\n  url: {}\ncache:\n  analytics_ttl_s: 600\n"
                                   "vee:\n  enabled: false\n",
                                   redis.url()));
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  ASSERT_EQ(client.Post("/api/v1/smart-meters", R"({"id":"SM000"})").status, 201);
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 8)).status, 200);
  ASSERT_TRUE(
      WaitFor([&] { return Count(cluster.postgres(), "SELECT count(*) FROM readings") == 8; }));

  const std::string query =
      fmt::format("/api/v1/analytics/consumption?{}&interval=1h&version=raw", kDay);
  TestResponse first = client.Get(query);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("X-Cache"), "miss");
  TestResponse second = client.Get(query);
  EXPECT_EQ(second.Header("X-Cache"), "hit");
  EXPECT_EQ(second.body, first.body);
  TestResponse reordered =
      client.Get(fmt::format("/api/v1/analytics/consumption?version=raw&interval=1h&{}", kDay));
  EXPECT_EQ(reordered.Header("X-Cache"), "hit");
  EXPECT_EQ(reordered.body, first.body);
  // Another question is another entry.
  EXPECT_EQ(
      client.Get(fmt::format("/api/v1/analytics/consumption?{}&interval=1d&version=raw", kDay))
          .Header("X-Cache"),
      "miss");

  // New readings stored by the worker: the answer changes within moments.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 8, 4)).status, 200);
  ASSERT_TRUE(
      WaitFor([&] { return Count(cluster.postgres(), "SELECT count(*) FROM readings") == 12; }));
  TestResponse fresh;
  EXPECT_TRUE(WaitFor(
      [&] {
        fresh = client.Get(query);
        return fresh.body != first.body;
      },
      std::chrono::seconds(3)))
      << "still cached after the worker stored new readings: " << fresh.body;
  EXPECT_EQ(fresh.Header("X-Cache"), "miss");
  EXPECT_EQ(client.Get(query).Header("X-Cache"), "hit");

  // A registry write through the API retires the entries too (groupings
  // follow the registry).
  ASSERT_EQ(client
                .Request("PATCH", "/api/v1/smart-meters/SM000", R"({"city":"Berlin"})",
                         {{"Content-Type", "application/json"}})
                .status,
            200);
  EXPECT_EQ(client.Get(query).Header("X-Cache"), "miss");

  // Redis down: answered uncached, the same answer.
  redis.Stop();
  TestResponse down = client.Get(query);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.Header("X-Cache"), "bypass");
  EXPECT_EQ(down.body, fresh.body);
}

}  // namespace
}  // namespace metrify::test
