// The retention passes of `metrify worker process` (worker/
// retention_worker.h) against a real PostgreSQL 15: the loop drops the
// expired days at start and reports them on /health and /metrics, a
// replica that finds the lock held skips, retention 0 never runs, and the
// command with storage.retention_days drops a real installation's old days
// beside its rollup rounds.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/time.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_series_store.h"
#include "support/child_process.h"
#include "support/http_client.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"
#include "worker/retention_worker.h"

namespace metrify::worker {
namespace {

using engine::wal::WalSample;
using model::SeriesKind;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

class RetentionWorkerTest : public test::PgSchemaTest {
 protected:
  // Hourly readings of meters 1-3 for `days` days from `first_day` (epoch
  // ms of a midnight).
  void StoreDays(int64_t first_day, int days) {
    std::vector<WalSample> out;
    for (int h = 1; h <= days * 24; ++h) {
      for (uint32_t m = 1; m <= 3; ++m) {
        WalSample s;
        s.entity_key = m;
        s.timestamp_ms = first_day + h * kHour;
        s.interval_s = 3600;
        s.values.fill(NAN);
        s.values[0] = 0.5;
        s.present = 1;
        out.push_back(s);
      }
    }
    ASSERT_TRUE(store_->Append(SeriesKind::kReading, out).has_value());
  }
  int64_t ReadingPartitions() {
    return Count(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE c.relname ~ '^readings_[0-9]{8}$'");
  }
};

TEST_F(RetentionWorkerTest, TheLoopDropsAtStartAndReportsOnHealthAndMetrics) {
  StoreDays(kMonday, 5);  // Monday 01:00 to Saturday 00:00
  ASSERT_EQ(ReadingPartitions(), 6);
  obs::MetricsRegistry metrics;
  // Friday noon, 2 days kept: Monday to Wednesday go.
  RetentionWorker worker(
      *pool_, metrics, {.retention_days = 2, .every = std::chrono::milliseconds(50), .now_ms = [] {
                          return kMonday + 4 * kDay + 12 * kHour;
                        }});
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(worker.Run(stop).ok()); });
  ASSERT_TRUE(
      test::PollUntil([&] { return worker.stats().passes >= 3; }, std::chrono::seconds(30)));
  const auto asked = std::chrono::steady_clock::now();
  stop = true;
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));

  EXPECT_EQ(ReadingPartitions(), 3);
  EXPECT_EQ(Count("SELECT min(ts) FROM readings"), kMonday + 3 * kDay);
  const RetentionWorkerStats s = worker.stats();
  EXPECT_EQ(s.partitions_dropped, 3u) << "dropped by the first pass, once";
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.last_cutoff_ms, kMonday + 3 * kDay);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("metrify_retention_partitions_dropped_total 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(metrify_retention_passes_total{outcome="done"})"), std::string::npos);
  EXPECT_EQ(text.find("metrify_retention_last_pass_timestamp_seconds 0\n"), std::string::npos)
      << "a pass ran";

  JsonWriter j;
  j.BeginObject();
  worker.WriteHealth(j);
  j.EndObject();
  const std::string health = j.Take();
  EXPECT_NE(health.find(R"("retention":{"days":2,)"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("partitions_dropped":3)"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("last_cutoff":"2025-01-16T00:00:00Z")"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("last_pass_age_s":)"), std::string::npos) << health;
}

// A replica that finds another's pass running skips, and says so.
TEST_F(RetentionWorkerTest, AReplicaFindingTheLockHeldSkips) {
  StoreDays(kMonday, 5);
  ASSERT_TRUE(db_->Query("SELECT pg_advisory_lock($1)", {std::to_string(store::kRetentionLockKey)})
                  .has_value());
  obs::MetricsRegistry metrics;
  RetentionWorker worker(*pool_, metrics,
                         {.retention_days = 2, .now_ms = [] { return kMonday + 4 * kDay; }});
  Result<store::RetentionPass> pass = worker.RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.status().message();
  EXPECT_TRUE(pass->locked_out);
  EXPECT_EQ(worker.stats().skipped, 1u);
  EXPECT_EQ(worker.stats().passes, 0u);
  EXPECT_EQ(ReadingPartitions(), 6);
  EXPECT_NE(metrics.Render().find(R"(metrify_retention_passes_total{outcome="skipped"} 1)"),
            std::string::npos);
  ASSERT_TRUE(
      db_->Query("SELECT pg_advisory_unlock($1)", {std::to_string(store::kRetentionLockKey)})
          .has_value());
}

TEST_F(RetentionWorkerTest, ZeroDaysNeverRuns) {
  StoreDays(kMonday, 5);
  obs::MetricsRegistry metrics;
  RetentionWorker worker(*pool_, metrics, {.retention_days = 0});
  std::atomic<bool> stop{false};
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(worker.Run(stop).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(worker.stats().passes, 0u);
  EXPECT_EQ(ReadingPartitions(), 6);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("metrify_retention_partitions_dropped_total 0\n"), std::string::npos) << text;
}

// The command end to end, on today's clock: three days kept of six, the
// rollups of what is kept computed beside the pass.
TEST_F(RetentionWorkerTest, TheCommandDropsExpiredDaysBesideItsRollups) {
  const int64_t today = FloorDiv(NowMillis(), kDay) * kDay;
  StoreDays(today - 5 * kDay, 5);  // 5 days ago 01:00 to today 00:00
  const int64_t partitions = ReadingPartitions();
  ASSERT_EQ(partitions, 6);
  const std::string root = test::MakeServerTempDir("metrify-retention-");
  const std::string config = root + "/metrify.yaml";
  std::ofstream(config) << fmt::format(
      "mode: scaled\npostgres:\n  url: {}\nstorage:\n  retention_days: 3\nlog:\n  level: info\n",
      pg_->url());
  test::ChildProcess process;
  test::ChildSpec spec;
  spec.argv = {METRIFY_BINARY, "worker",      "process",           "--config", config,
               "--listen",     "127.0.0.1:0", "--retention-every", "1"};
  spec.log_path = root + "/worker.log";
  process.Start(spec);
  const uint16_t port = test::WaitForLoggedPort(process, spec.log_path, "worker process");
  test::TestHttpClient client("127.0.0.1", port);
  // Today and the two days before it stay: three of the six go.
  ASSERT_TRUE(test::PollUntil(
      [&] {
        return client.Get("/metrics").body.find("metrify_retention_partitions_dropped_total 3") !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << client.Get("/metrics").body << test::ReadWholeFile(spec.log_path);
  EXPECT_EQ(ReadingPartitions(), 3);
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM readings WHERE ts < {}", today - 2 * kDay)), 0);
  const test::TestResponse health = client.Get("/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find(R"("retention":{"days":3,)"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("last_pass_age_s"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("backlog_block_hours"), std::string::npos) << health.body;
  EXPECT_NE(test::ReadWholeFile(spec.log_path).find("retention dropped expired days"),
            std::string::npos);
  // The rollups of the days kept, and none of the days gone.
  ASSERT_TRUE(test::PollUntil([&] { return Count("SELECT count(*) FROM rollup_dirty") == 0; },
                              std::chrono::seconds(30)));
  const int64_t cutoff = today - 2 * kDay;
  EXPECT_EQ(
      Count(fmt::format("SELECT count(*) FROM readings_hourly WHERE hour < {}", cutoff - kHour)),
      0);
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM readings_hourly WHERE hour = {} AND samples = "
                              "1 AND last_ts = {}",
                              cutoff - kHour, cutoff)),
            3)
      << "the hour ending at the cutoff holds the one reading left";
  EXPECT_EQ(Count("SELECT count(*) FROM readings_hourly"), 3 * (2 * 24 + 1))
      << "two whole days and the hour ending at the cutoff, for 3 meters";
  EXPECT_EQ(process.Stop(SIGTERM), 0) << test::ReadWholeFile(spec.log_path);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

}  // namespace
}  // namespace metrify::worker
