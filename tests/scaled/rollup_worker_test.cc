// The rollup worker (worker/rollup_worker.h, `metrify worker process`)
// against a real PostgreSQL 15: replicas share one backlog without ever
// holding the same hour, the worker loop reports on /health and /metrics,
// and the command stops cleanly on SIGTERM. The DISABLED_ measurement
// prints the figures of docs/scaled.md "Rollups" (run it with
// --gtest_also_run_disabled_tests --gtest_filter='*Measure*').
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_store.h"
#include "support/child_process.h"
#include "support/http_client.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"
#include "worker/rollup_worker.h"

namespace metrify::worker {
namespace {

using engine::wal::WalSample;
using model::SeriesKind;
using Hour = std::pair<int64_t, int64_t>;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

// `meters` meters x `days` days of quarter hours.
std::vector<WalSample> Fleet(uint32_t meters, int days) {
  std::vector<WalSample> out;
  out.reserve(size_t{meters} * days * 96);
  for (int q = 1; q <= days * 96; ++q) {
    for (uint32_t m = 1; m <= meters; ++m) {
      WalSample s;
      s.entity_key = m;
      s.timestamp_ms = kMonday + q * kQuarter;
      s.interval_s = 900;
      s.values.fill(NAN);
      s.values[0] = ((m * 7 + q * 13) % 500) / 1000.0;
      s.present = 1;
      out.push_back(s);
    }
  }
  return out;
}

class RollupWorkerTest : public test::PgSchemaTest {
 protected:
  // Stores and marks in chunks of `chunk` readings, as ingest batches do.
  void Store(const std::vector<WalSample>& all, size_t chunk = 20000) {
    for (size_t i = 0; i < all.size(); i += chunk) {
      std::span<const WalSample> part(all.data() + i, std::min(chunk, all.size() - i));
      // Append marks the hours in its transaction, as ingest does.
      ASSERT_TRUE(store_->Append(SeriesKind::kReading, part).has_value());
    }
  }
};

TEST_F(RollupWorkerTest, TwoReplicasShareTheBacklogAndNeverHoldTheSameHour) {
  Store(Fleet(200, 1));
  const int64_t backlog = Count("SELECT count(*) FROM rollup_dirty");
  ASSERT_EQ(backlog, 4 * 24) << "meters 1-200: blocks 0-3 of 64";
  std::vector<Hour> claimed[2];
  std::thread replicas[2];
  for (int w = 0; w < 2; ++w) {
    replicas[w] = std::thread([&, w] {
      auto db = test::ConnectOrThrow(pg_->url());
      for (;;) {
        Result<store::RollupRound> round = store::RecomputeDirtyHours(*db, 3, &claimed[w]);
        ASSERT_TRUE(round.has_value()) << round.status().message();
        if (round->claims == 0) return;
      }
    });
  }
  for (auto& t : replicas) t.join();
  EXPECT_GT(claimed[0].size(), 0u) << "both replicas worked";
  EXPECT_GT(claimed[1].size(), 0u) << "both replicas worked";
  std::set<Hour> first(claimed[0].begin(), claimed[0].end());
  std::set<Hour> all = first;
  size_t both = 0;
  for (const Hour& h : claimed[1]) {
    both += first.contains(h);
    all.insert(h);
  }
  EXPECT_EQ(both, 0u) << "an hour computed by both replicas";
  EXPECT_EQ(claimed[0].size() + claimed[1].size(), static_cast<size_t>(backlog));
  EXPECT_EQ(all.size(), static_cast<size_t>(backlog));
  EXPECT_EQ(Count("SELECT count(*) FROM rollup_dirty"), 0);
  ExpectRollupsMatchReadings();
}

TEST_F(RollupWorkerTest, TheLoopFollowsIngestAndReportsOnHealthAndMetrics) {
  obs::MetricsRegistry metrics;
  RollupWorker worker(*pool_, metrics,
                      {.max_claims = 10,
                       .idle_sleep = std::chrono::milliseconds(20),
                       .backlog_every = std::chrono::milliseconds(0)});
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(worker.Run(stop).ok()); });
  Store(Fleet(20, 1));
  ASSERT_TRUE(
      test::PollUntil([&] { return worker.stats().hours >= 20 * 24; }, std::chrono::seconds(30)));
  ASSERT_TRUE(
      test::PollUntil([&] { return worker.stats().backlog == 0; }, std::chrono::seconds(10)));
  ExpectRollupsMatchReadings();
  // A late revision: its hour is recomputed by the running loop (for the
  // 20 meters of its block).
  WalSample late = Fleet(1, 1)[5];
  late.values[0] = 42;
  Store({late});
  ASSERT_TRUE(test::PollUntil([&] { return worker.stats().hours == 20 * 24 + 20; },
                              std::chrono::seconds(30)));
  ASSERT_TRUE(
      test::PollUntil([&] { return worker.stats().backlog == 0; }, std::chrono::seconds(10)));
  ExpectRollupsMatchReadings();

  const WorkerHealth health = worker.Health();
  EXPECT_TRUE(health.healthy);
  EXPECT_NE(health.details_json.find(R"("database":"ok")"), std::string::npos)
      << health.details_json;
  EXPECT_NE(health.details_json.find(R"("backlog_block_hours":0)"), std::string::npos);
  EXPECT_NE(health.details_json.find(R"("hours":500)"), std::string::npos);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("metrify_rollup_hours_total 500"), std::string::npos) << text;
  EXPECT_NE(text.find("metrify_rollup_backlog_hours 0"), std::string::npos);
  EXPECT_NE(text.find("metrify_rollup_round_seconds_count"), std::string::npos);
  const auto asked = std::chrono::steady_clock::now();
  stop = true;
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
}

TEST_F(RollupWorkerTest, AnUnreachableDatabaseIsReportedAndRetried) {
  store::PgPool nowhere("postgres://postgres@127.0.0.1:1/postgres",
                        {.max_connections = 1, .connect_timeout = std::chrono::seconds(1)});
  obs::MetricsRegistry metrics;
  RollupWorker worker(nowhere, metrics, {.max_backoff = std::chrono::milliseconds(200)});
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(worker.Run(stop).ok()); });
  EXPECT_TRUE(
      test::PollUntil([&] { return worker.stats().retries >= 2; }, std::chrono::seconds(20)));
  EXPECT_FALSE(worker.Health().healthy);
  EXPECT_NE(worker.Health().details_json.find(R"("database":"unavailable")"), std::string::npos);
  stop = true;
  runner.join();
}

// Needs `metrify worker process` wired into src/cli/worker_command.cc
// (AddWorkerProcessCommand); fails with "unknown subcommand" until then.
TEST_F(RollupWorkerTest, TheCommandServesHealthAndStopsOnSigterm) {
  const std::string root = test::MakeServerTempDir("metrify-process-");
  const std::string config = root + "/metrify.yaml";
  std::ofstream(config) << fmt::format("mode: scaled\npostgres:\n  url: {}\nlog:\n  level: info\n",
                                       pg_->url());
  test::ChildProcess process;
  test::ChildSpec spec;
  spec.argv = {METRIFY_BINARY, "worker", "process", "--config", config, "--listen", "127.0.0.1:0"};
  spec.log_path = root + "/worker.log";
  process.Start(spec);
  const uint16_t port = test::WaitForLoggedPort(process, spec.log_path, "worker process");
  Store(Fleet(10, 1));
  test::TestHttpClient client("127.0.0.1", port);
  ASSERT_TRUE(test::PollUntil(
      [&] {
        return client.Get("/metrics").body.find("metrify_rollup_hours_total 240") !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << client.Get("/metrics").body;
  const test::TestResponse health = client.Get("/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find(R"("role":"process")"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find(R"("database":"ok")"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("backlog_block_hours"), std::string::npos) << health.body;
  EXPECT_EQ(client.Get("/health/ready").status, 200);
  EXPECT_EQ(process.Stop(SIGTERM), 0) << test::ReadWholeFile(spec.log_path);
  ExpectRollupsMatchReadings();
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The figures in docs/scaled.md "Rollups": 2,000 meters x 2 days.
TEST_F(RollupWorkerTest, DISABLED_MeasureMarkingAndRollupThroughput) {
  const std::vector<WalSample> fleet = Fleet(2000, 2);
  // Marking alone, per 20,000-reading batch (10 quarter hours of 2,000
  // meters: 2 or 3 hours each), new hours and then hours already dirty.
  for (const char* what : {"new", "already dirty"}) {
    double total = 0;
    int batches = 0;
    for (size_t i = 0; i < fleet.size(); i += 20000, ++batches) {
      std::span<const WalSample> part(fleet.data() + i, std::min<size_t>(20000, fleet.size() - i));
      const auto t0 = std::chrono::steady_clock::now();
      ASSERT_TRUE(db_->InTransaction([&] { return store::MarkRollupsDirty(*db_, part); }).ok());
      total += Seconds(t0);
    }
    std::printf("marking (%s): %.2f ms per 20,000-reading batch (%d batches)\n", what,
                1000 * total / batches, batches);
  }
  ASSERT_TRUE(db_->Exec("TRUNCATE rollup_dirty").ok());
  const auto stored = std::chrono::steady_clock::now();
  Store(fleet);
  std::printf("stored and marked %zu readings in %.2f s\n", fleet.size(), Seconds(stored));
  for (int replicas : {1, 2}) {
    if (replicas == 2) {
      ASSERT_TRUE(db_->Exec("INSERT INTO rollup_dirty SELECT DISTINCT meter_key / 64, hour"
                            " FROM readings_hourly")
                      .ok());
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int w = 0; w < replicas; ++w) {
      threads.emplace_back([&] {
        auto db = test::ConnectOrThrow(pg_->url());
        while (store::RecomputeDirtyHours(*db, 100).value().claims > 0) {
        }
      });
    }
    for (auto& t : threads) t.join();
    const double s = Seconds(t0);
    const int64_t hours = Count("SELECT count(*) FROM readings_hourly");
    std::printf("rollup, %d replica(s): %lld hours in %.2f s = %.0f hours/s\n", replicas,
                static_cast<long long>(hours), s, static_cast<double>(hours) / s);
  }
  ExpectRollupsMatchReadings();
}

}  // namespace
}  // namespace metrify::worker
