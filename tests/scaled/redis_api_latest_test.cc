// Latest readings through Redis in scaled mode, end to end: the API answers
// GET /api/v1/readings/latest from Redis, PostgreSQL filling its misses; the
// ingest worker pushes each commit's newest samples, so a newer reading
// replaces the cached one (no stale answer) while a revision of an older
// interval never moves a meter back; the answer is byte for byte that of a
// replica without Redis; and with Redis stopped the API answers from
// PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scaled/redis_api_support.h"
#include "support/http_client.h"
#include "support/redis_server.h"

namespace metrify::test {
namespace {

using namespace redis_api;
using ::testing::HasSubstr;

constexpr char kLatest[] = "/api/v1/readings/latest?meter_ids=SM000,SM001";

// The metric's value in a /metrics exposition; -1 when absent.
double MetricValue(const std::string& exposition, const std::string& name) {
  const size_t at = exposition.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(exposition.substr(at + name.size() + 2));
}

TEST(RedisApiLatestTest, WorkerKeepsLatestFreshAndPostgresAnswersWithoutRedis) {
  RedisServer redis;
  ScaledCluster cluster;
  AddToConfig(cluster, fmt::format("redis:\n  url: {}\n", redis.url()));
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  for (const char* id : {"SM000", "SM001"}) {
    ASSERT_EQ(client.Post("/api/v1/smart-meters", fmt::format(R"({{"id":"{}"}})", id)).status, 201);
  }
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 4)).status, 200);
  ASSERT_TRUE(WaitFor([&] {
    return client.Get(kLatest).body.find(QuarterTime(4)) != std::string::npos;
  })) << client.Get(kLatest).body;
  // Served from Redis now (the worker pushed it, or the first miss filled it).
  client.Get(kLatest);
  EXPECT_GT(MetricValue(client.Get("/metrics").body, "metrify_latest_cache_hits_total"), 0);

  // A newer reading: once PostgreSQL has it, the latest view shows it at
  // once; the cached older sample must not linger (it has no TTL).
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 4, 2)).status, 200);
  const std::string readings_of_sm000 =
      "SELECT count(*) FROM readings r JOIN meters m ON m.key = r.meter_key WHERE m.id = 'SM000'";
  ASSERT_TRUE(WaitFor([&] { return Count(cluster.postgres(), readings_of_sm000) == 6; }));
  EXPECT_TRUE(
      WaitFor([&] { return client.Get(kLatest).body.find(QuarterTime(6)) != std::string::npos; },
              std::chrono::seconds(3)))
      << client.Get(kLatest).body;

  // A revision of an older interval is stored, and the latest stays put.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 1, 1, 5.0)).status, 200);
  ASSERT_TRUE(WaitFor([&] { return Count(cluster.postgres(), readings_of_sm000) == 7; }));
  // A revision of the newest interval replaces the held sample.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 5, 1, 7.0)).status, 200);
  ASSERT_TRUE(WaitFor([&] { return Count(cluster.postgres(), readings_of_sm000) == 8; }));
  EXPECT_TRUE(WaitFor(
      [&] { return client.Get(kLatest).body.find(R"("energy_kwh":7.006)") != std::string::npos; },
      std::chrono::seconds(3)))
      << client.Get(kLatest).body;
  const std::string cached = client.Get(kLatest).body;
  EXPECT_THAT(cached, HasSubstr(QuarterTime(6)));
  EXPECT_THAT(cached, HasSubstr(R"("missing":["SM001"])"));

  // Byte for byte what a replica without Redis answers.
  ServerProcess uncached(
      {.env = {{"METRIFY_CONFIG", cluster.config_path()}, {"METRIFY_REDIS_URL", ""}}, .args = {}});
  TestHttpClient plain("127.0.0.1", uncached.port());
  EXPECT_EQ(plain.Get(kLatest).body, cached);
  EXPECT_EQ(plain.Get("/api/v1/readings/latest").body, client.Get("/api/v1/readings/latest").body);

  // Redis down: PostgreSQL answers, the same bytes, and it is counted.
  redis.Stop();
  TestResponse down = client.Get(kLatest);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.body, cached);
  EXPECT_GT(MetricValue(client.Get("/metrics").body, "metrify_latest_cache_unavailable_total"), 0);
}

}  // namespace
}  // namespace metrify::test
