// Group commit: concurrent appends share writes and fdatasyncs, and every
// append that returned OK is durable.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "common/fault_file_system.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using test_support::OpenWriter;
using test_support::ReplayAll;
using test_support::TempDir;

// "t<thread>:<i>:" padded to 64 bytes, so order and origin can be checked
// and a record takes 73 bytes with its header.
std::string ThreadPayload(int thread, int i) {
  std::string payload = "t" + std::to_string(thread) + ":" + std::to_string(i) + ":";
  payload.resize(64, 'x');
  return payload;
}

// Runs `threads` × `per_thread` appends; returns the records replayed after
// the writer is gone.
std::vector<std::string> AppendConcurrently(TEST_FaultFileSystem& fs, const std::string& dir,
                                            WalWriterOptions options, int threads, int per_thread,
                                            WalCounters* counters) {
  auto writer = OpenWriter(fs, dir, options);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const Status status = writer->Append(ThreadPayload(t, i), kSampleBatch);
        ASSERT_TRUE(status.ok()) << status.ToString();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  *counters = writer->counters();
  writer.reset();
  const auto replayed = ReplayAll(fs, dir);
  EXPECT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  return replayed.payloads();
}

// Every payload once, and each thread's payloads in the order it wrote them.
void ExpectEveryAppendOnceInThreadOrder(const std::vector<std::string>& payloads, int threads,
                                        int per_thread) {
  ASSERT_EQ(payloads.size(), static_cast<size_t>(threads * per_thread));
  std::vector<int> next(threads, 0);
  for (const std::string& payload : payloads) {
    const int t = std::stoi(payload.substr(1));
    ASSERT_GE(t, 0);
    ASSERT_LT(t, threads);
    EXPECT_EQ(payload, ThreadPayload(t, next[t])) << "thread " << t << " out of order";
    ++next[t];
  }
}

TEST(WalGroupCommit, ConcurrentAppendsShareSyncs) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  // A device whose fdatasync takes 200 µs, like this machine's disk.
  fs.set_before_sync([] { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
  constexpr int kThreads = 8, kPerThread = 1000;
  WalCounters counters;
  const auto payloads = AppendConcurrently(fs, tmp.path(), {}, kThreads, kPerThread, &counters);
  ExpectEveryAppendOnceInThreadOrder(payloads, kThreads, kPerThread);
  EXPECT_EQ(counters.records, 8000u);
  EXPECT_LT(counters.groups, 8000u / 3) << "mean group " << counters.mean_group_size();
  EXPECT_EQ(fs.syncs(), counters.syncs);
  EXPECT_EQ(counters.syncs, counters.groups + counters.files_created);
  EXPECT_GT(counters.largest_group, 3u);
  std::cout << "groups " << counters.groups << ", mean group " << counters.mean_group_size()
            << ", largest " << counters.largest_group << "\n";
}

TEST(WalGroupCommit, GroupsRespectTheByteLimit) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  fs.set_before_sync([] { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
  WalCounters counters;
  // Records take 73 bytes: two fit in 150, three do not.
  const auto payloads =
      AppendConcurrently(fs, tmp.path(), {.max_group_bytes = 150}, 4, 200, &counters);
  ExpectEveryAppendOnceInThreadOrder(payloads, 4, 200);
  EXPECT_LE(counters.largest_group, 2u);
}

TEST(WalGroupCommit, WithoutGroupingEveryAppendHasItsOwnSync) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  WalCounters counters;
  const auto payloads =
      AppendConcurrently(fs, tmp.path(), {.max_group_bytes = 0}, 4, 250, &counters);
  ExpectEveryAppendOnceInThreadOrder(payloads, 4, 250);
  EXPECT_EQ(counters.groups, 1000u);
  EXPECT_EQ(counters.largest_group, 1u);
}

TEST(WalGroupCommit, GroupsRollAcrossFilesWithoutLosingRecords) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  WalCounters counters;
  const auto payloads =
      AppendConcurrently(fs, tmp.path(), {.segment_bytes = 2048}, 4, 500, &counters);
  ExpectEveryAppendOnceInThreadOrder(payloads, 4, 500);
  EXPECT_GT(counters.files_created, 10u);
}

}  // namespace
}  // namespace metrify::engine::wal
