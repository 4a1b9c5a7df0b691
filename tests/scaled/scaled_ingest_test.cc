// Scaled mode end to end on loopback (support/scaled_cluster.h): readings
// posted to `metrify serve` (mode scaled) go through Kafka to `metrify
// worker ingest` and into PostgreSQL, and come back through the API; a
// poison message lands in metrify.dlq without stalling its partition; a
// worker killed with SIGKILL mid-stream loses and duplicates nothing, and
// readings one died before validating are validated by the next; the
// database stopped and started during ingest loses nothing; a broker outage
// makes ingest answer 503 with Retry-After, and it recovers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "queue/kafka_consumer.h"
#include "queue/kafka_producer.h"
#include "store/postgres/pg_connection.h"
#include "support/http_client.h"
#include "support/scaled_cluster.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

// `count` readings of `meter` from kMonday + first quarters on, as an ingest
// body; kWh values that identify the reading.
std::string Readings(const std::string& meter, int first, int count) {
  std::string body = "[";
  for (int i = first; i < first + count; ++i) {
    if (i > first) body += ',';
    body += fmt::format(R"({{"meter_id":"{}","timestamp":{},"energy_kwh":{}}})", meter,
                        kMonday + (i + 1) * kQuarter, 0.001 * (i + 1));
  }
  return body + "]";
}

int64_t Count(PostgresServer& pg, const std::string& sql) {
  auto db = store::PgConnection::Connect(pg.url(), std::chrono::seconds(10));
  if (!db.has_value()) return -1;
  auto rows = (*db)->Query(sql);
  return rows.has_value() && rows->size() == 1 ? rows->Int(0, 0) : -1;
}

// Waits until `sql` counts `want` (the workers are asynchronous).
bool WaitForCount(PostgresServer& pg, const std::string& sql, int64_t want,
                  std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Count(pg, sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

void CreateMeters(TestHttpClient& api, int n) {
  for (int m = 0; m < n; ++m) {
    TestResponse r = api.Post("/api/v1/smart-meters", fmt::format(R"({{"id":"SM{:03}"}})", m));
    ASSERT_EQ(r.status, 201) << r.body;
  }
}

TEST(ScaledIngestTest, ReadingsGoThroughKafkaIntoPostgresAndBackOutOfTheApi) {
  ScaledCluster cluster;
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 1);
  TestResponse posted = client.Post("/api/v1/readings", Readings("SM000", 0, 96));
  ASSERT_EQ(posted.status, 200) << posted.body;
  EXPECT_THAT(posted.body, HasSubstr(R"("accepted":96)"));
  EXPECT_THAT(posted.body, HasSubstr(R"("queued":96)"));
  // Unknown meters are still refused per item by the API replica.
  TestResponse unknown = client.Post("/api/v1/readings", Readings("SM999", 0, 2));
  EXPECT_THAT(unknown.body, HasSubstr("unknown_entity"));

  ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", 96))
      << cluster.worker_log(0);
  TestResponse read = client.Get(
      "/api/v1/smart-meters/SM000/readings?start=2025-01-13T00:00:00Z&end=2025-01-14T00:15:00Z");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(read.body, HasSubstr(R"("energy_kwh":0.096)"));
  EXPECT_THAT(read.body, HasSubstr(R"("count":96)"));
  // The same body again changes nothing: the worker finds it unchanged.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 96)).status, 200);
  TestHttpClient health("127.0.0.1", cluster.worker_port(0));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string metrics;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = health.Get("/metrics").body;
    if (metrics.find(R"(metrify_worker_samples_total{kind="reading",outcome="unchanged"} 96)") !=
        std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_THAT(metrics, HasSubstr(R"(outcome="unchanged"} 96)"));
  EXPECT_EQ(Count(cluster.postgres(), "SELECT count(*) FROM readings"), 96);
  EXPECT_EQ(health.Get("/health").status, 200);
  EXPECT_EQ(cluster.StopWorker(0, SIGTERM), 0) << cluster.worker_log(0);
}

TEST(ScaledIngestTest, APoisonMessageGoesToTheDeadLettersAndTheRestIsStored) {
  ScaledCluster cluster;
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 1);
  auto producer = queue::KafkaProducer::Create({.brokers = cluster.broker().bootstrap()});
  ASSERT_TRUE(producer.has_value()) << producer.status().message();
  const queue::KafkaMessage poison[] = {
      {.topic = "metrify.readings", .key = "SM000", .value = "{not json"}};
  ASSERT_TRUE((*producer)->ProduceAll(poison).ok());
  // Behind the poison on the same partition (same key): still stored.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 4)).status, 200);
  ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", 4))
      << cluster.worker_log(0);

  auto consumer = queue::KafkaConsumer::Create({.brokers = cluster.broker().bootstrap(),
                                                .group_id = "dlq-reader",
                                                .topics = {"metrify.dlq"}});
  ASSERT_TRUE(consumer.has_value()) << consumer.status().message();
  std::vector<queue::ConsumedMessage> letters;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (letters.empty() && std::chrono::steady_clock::now() < deadline) {
    auto batch = (*consumer)->PollBatch(10, std::chrono::milliseconds(500));
    ASSERT_TRUE(batch.has_value());
    letters = std::move(batch).value();
  }
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].key, "SM000");
  EXPECT_THAT(letters[0].value, HasSubstr(R"("reason":"envelope: )"));
  EXPECT_THAT(letters[0].value, HasSubstr(R"("value":"{not json")"));
  bool has_reason = false;
  for (const auto& h : letters[0].headers) has_reason |= h.name == "metrify-dlq-reason";
  EXPECT_TRUE(has_reason);
}

// Two workers share the partitions; one is SIGKILLed while batches flow.
// Every acknowledged reading is stored exactly once: no loss, no revision
// made by a redelivery.
TEST(ScaledIngestTest, AWorkerKilledMidStreamLosesAndDuplicatesNothing) {
  ScaledCluster cluster;
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  cluster.StartWorker(1);
  TestHttpClient client("127.0.0.1", api.port());
  constexpr int kMeters = 20, kBatches = 30, kPerBatch = 24;
  CreateMeters(client, kMeters);
  int acknowledged = 0;
  for (int b = 0; b < kBatches; ++b) {
    std::string body;
    for (int m = 0; m < kMeters; ++m) {
      std::string part = Readings(fmt::format("SM{:03}", m), b * kPerBatch, kPerBatch);
      body += (body.empty() ? "" : ",") + part.substr(1, part.size() - 2);
    }
    TestResponse r = client.Post("/api/v1/readings", "[" + body + "]");
    ASSERT_EQ(r.status, 200) << r.body;
    acknowledged += kMeters * kPerBatch;
    if (b == kBatches / 2) cluster.StopWorker(0, SIGKILL);
  }
  ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", acknowledged,
                           std::chrono::seconds(90)))
      << "stored " << Count(cluster.postgres(), "SELECT count(*) FROM readings") << " of "
      << acknowledged << "\n"
      << cluster.worker_log(1);
  EXPECT_EQ(Count(cluster.postgres(), "SELECT count(*) FROM readings WHERE revision > 0"), 0);
  EXPECT_EQ(Count(cluster.postgres(),
                  "SELECT count(*) FROM (SELECT DISTINCT meter_key, ts FROM readings) d"),
            acknowledged);
}

// VEE runs in the worker after the commit. A worker killed between storing
// readings and validating them must not leave them unvalidated: its Kafka
// offsets wait for VEE, so the next worker gets the messages again and
// validates their readings, though it does not store them again.
TEST(ScaledIngestTest, ReadingsAWorkerDiedBeforeValidatingAreValidatedByTheNext) {
  ScaledCluster cluster;
  // The gap below waits this long to settle before VEE estimates it: time
  // enough to kill the worker first.
  cluster.AddConfig("vee:\n  settle_ms: 5000\n");
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 1);
  // A day of quarter hours without the 41st and 42nd.
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 40)).status, 200);
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 42, 54)).status, 200);
  ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", 94))
      << cluster.worker_log(0);
  const std::string gap_estimated =
      fmt::format("SELECT (count(*) = 2)::int FROM vee_overlay WHERE ts IN ({}, {})",
                  kMonday + 41 * kQuarter, kMonday + 42 * kQuarter);
  ASSERT_EQ(Count(cluster.postgres(), gap_estimated), 0) << "validated before the kill";
  cluster.StopWorker(0, SIGKILL);

  cluster.StartWorker(0);
  EXPECT_TRUE(WaitForCount(cluster.postgres(), gap_estimated, 1, std::chrono::seconds(30)))
      << cluster.worker_log(0);
  EXPECT_EQ(Count(cluster.postgres(), "SELECT count(*) FROM readings"), 94)
      << "redelivered, not stored again";
  TestHttpClient worker("127.0.0.1", cluster.worker_port(0));
  EXPECT_THAT(worker.Get("/metrics").body,
              HasSubstr(R"(metrify_worker_messages_total{outcome="skipped"} 2)"));
  EXPECT_EQ(cluster.StopWorker(0, SIGTERM), 0) << cluster.worker_log(0);
}

TEST(ScaledIngestTest, ADatabaseRestartDuringIngestLosesNothing) {
  ScaledCluster cluster;
  ServerProcess& api = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 3);
  int acknowledged = 0;
  for (int b = 0; b < 10; ++b) {
    if (b == 3) {
      // The worker has joined its group and stores: now take the database away.
      ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", acknowledged))
          << cluster.worker_log(0);
      cluster.postgres().Stop();
    }
    if (b == 7) {
      // Long enough for the worker to try, and wait.
      std::this_thread::sleep_for(std::chrono::seconds(2));
      cluster.postgres().Start();
    }
    for (int m = 0; m < 3; ++m) {
      TestResponse r =
          client.Post("/api/v1/readings", Readings(fmt::format("SM{:03}", m), b * 8, 8));
      ASSERT_EQ(r.status, 200) << r.body;
      acknowledged += 8;
    }
  }
  ASSERT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", acknowledged))
      << cluster.worker_log(0);
  EXPECT_THAT(cluster.worker_log(0), HasSubstr("waits for the database")) << cluster.worker_log(0);
}

TEST(ScaledIngestTest, ABrokerOutageIs503WithRetryAfterAndIngestRecovers) {
  ScaledCluster cluster(EnvVars{{"METRIFY_KAFKA_DELIVERY_TIMEOUT_S", "2"}});
  ServerProcess& api = cluster.StartApi();
  TestHttpClient client("127.0.0.1", api.port());
  CreateMeters(client, 1);
  ASSERT_EQ(client.Post("/api/v1/readings", Readings("SM000", 0, 4)).status, 200);
  cluster.broker().SetDown();
  TestResponse down = client.Post("/api/v1/readings", Readings("SM000", 4, 4));
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.Header("Retry-After"), "1");
  cluster.broker().SetUp();
  TestResponse back = client.Post("/api/v1/readings", Readings("SM000", 4, 4));
  EXPECT_EQ(back.status, 200) << back.body;
  cluster.StartWorker(0);
  EXPECT_TRUE(WaitForCount(cluster.postgres(), "SELECT count(*) FROM readings", 8))
      << cluster.worker_log(0);
}

}  // namespace
}  // namespace metrify::test
