// Power loss, simulated by TEST_FaultFileSystem::Crash: every append that
// returned OK is present after replay, every record present is whole and
// was really appended, and the WAL accepts appends again afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common/fault_file_system.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using test_support::OpenWriter;
using test_support::ReplayAll;
using test_support::TempDir;
using test_support::TestPayload;

// "t<thread>:<i>" plus a filler of varying length.
std::string CrashPayload(int thread, int i) {
  return "t" + std::to_string(thread) + ":" + std::to_string(i) + ":" +
         std::string(static_cast<size_t>((thread * 131 + i * 17) % 400), 'p');
}

struct CrashRun {
  std::set<std::string> attempted;
  std::set<std::string> acknowledged;
};

// Appends from `threads` threads until the crash, which comes after about
// `acks_before_crash` acknowledgements and keeps `keep_unsynced` bytes.
CrashRun AppendThenCrash(TEST_FaultFileSystem& fs, const std::string& dir, int threads,
                         int acks_before_crash, uint64_t keep_unsynced) {
  auto writer = OpenWriter(fs, dir, {.segment_bytes = 16 << 10});
  std::atomic<int> acks{0};
  std::vector<std::vector<std::string>> attempted(threads), acknowledged(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        attempted[t].push_back(CrashPayload(t, i));
        if (!writer->Append(attempted[t].back(), kSampleBatch).ok()) return;
        acknowledged[t].push_back(attempted[t].back());
        ++acks;
      }
    });
  }
  while (acks < acks_before_crash) std::this_thread::yield();
  fs.Crash(keep_unsynced);
  for (std::thread& worker : workers) worker.join();
  fs.Restart();
  CrashRun run;
  for (int t = 0; t < threads; ++t) {
    run.attempted.insert(attempted[t].begin(), attempted[t].end());
    run.acknowledged.insert(acknowledged[t].begin(), acknowledged[t].end());
  }
  return run;
}

TEST(WalPowerLoss, AcknowledgedAppendsSurviveAndNothingIsHalfVisible) {
  std::mt19937 rng(2026);
  for (int round = 0; round < 12; ++round) {
    TempDir tmp;
    TEST_FaultFileSystem fs;
    fs.set_before_sync([] { std::this_thread::sleep_for(std::chrono::microseconds(50)); });
    const int acks_before_crash = 20 + static_cast<int>(rng() % 400);
    const uint64_t keep = rng() % 3 == 0 ? 0 : rng() % 2000;
    const CrashRun run = AppendThenCrash(fs, tmp.path(), 4, acks_before_crash, keep);
    SCOPED_TRACE("round " + std::to_string(round) + ", keep " + std::to_string(keep));

    const auto replayed = ReplayAll(fs, tmp.path());
    ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
    std::set<std::string> present;
    for (const std::string& payload : replayed.payloads()) {
      EXPECT_TRUE(run.attempted.contains(payload)) << "never appended: " << payload.substr(0, 20);
      EXPECT_TRUE(present.insert(payload).second) << "twice: " << payload.substr(0, 20);
    }
    for (const std::string& payload : run.acknowledged) {
      EXPECT_TRUE(present.contains(payload)) << "acknowledged but lost: " << payload.substr(0, 20);
    }

    // Recovery is complete: the WAL takes appends and replays cleanly.
    auto writer = OpenWriter(fs, tmp.path(), {.segment_bytes = 16 << 10});
    ASSERT_TRUE(writer->Append("after the crash", kSampleBatch).ok());
    writer.reset();
    const auto again = ReplayAll(fs, tmp.path());
    ASSERT_TRUE(again.status.ok()) << again.status.ToString();
    EXPECT_EQ(again.records.size(), replayed.records.size() + 1);
    EXPECT_FALSE(again.report.truncation.has_value());
  }
}

// A record written but not synced, torn by the crash at each byte.
TEST(WalPowerLoss, TornLastWriteAtEveryByteKeepsEverythingBefore) {
  const std::string last = TestPayload(4);
  const uint64_t record_bytes = kRecordHeaderSize + last.size();
  for (uint64_t keep = 0; keep <= record_bytes; ++keep) {
    TempDir tmp;
    TEST_FaultFileSystem fs;
    auto writer = OpenWriter(fs, tmp.path());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Append(TestPayload(i), kSampleBatch).ok());
    fs.FailSyncAt(1);
    ASSERT_FALSE(writer->Append(last, kSampleBatch).ok());
    fs.Crash(keep);
    fs.Restart();
    writer.reset();

    const auto replayed = ReplayAll(fs, tmp.path());
    ASSERT_TRUE(replayed.status.ok()) << keep << ": " << replayed.status.ToString();
    const size_t expected = keep == record_bytes ? 5 : 4;  // whole, or not at all
    ASSERT_EQ(replayed.records.size(), expected) << keep;
    for (size_t i = 0; i < expected; ++i) EXPECT_EQ(replayed.records[i].payload, TestPayload(i));
    EXPECT_EQ(replayed.report.truncation.has_value(), keep > 0 && keep < record_bytes) << keep;
  }
}

TEST(WalPowerLoss, CrashWhileRollingLosesTheUnsyncedFileName) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  auto writer = OpenWriter(fs, tmp.path(), {.segment_bytes = 200});
  ASSERT_TRUE(writer->Append(std::string(100, 'a'), kSampleBatch).ok());
  fs.FailSyncAt(1);  // the new file's header sync, before its name is synced
  ASSERT_FALSE(writer->Append(std::string(100, 'b'), kSampleBatch).ok());
  fs.Crash(/*keep_unsynced_bytes=*/1000);
  fs.Restart();
  writer.reset();
  EXPECT_FALSE(fs.FileSize(WalFilePath(tmp.path(), 2)).has_value());
  const auto replayed = ReplayAll(fs, tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), std::vector<std::string>{std::string(100, 'a')});
  writer = OpenWriter(fs, tmp.path(), {.segment_bytes = 200});
  EXPECT_EQ(writer->current_sequence(), 1u);
  EXPECT_TRUE(writer->Append("c", kSampleBatch).ok());
}

}  // namespace
}  // namespace metrify::engine::wal
