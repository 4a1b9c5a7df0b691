// A failed write or fdatasync fails its whole group and stops the writer;
// nothing after it is ever reported durable ("fsyncgate").
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/fault_file_system.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using test_support::OpenWriter;
using test_support::ReplayAll;
using test_support::TempDir;
using test_support::TestPayload;

bool Mentions(const Status& status, std::string_view text) {
  return status.message().find(text) != std::string::npos;
}

TEST(WalFailure, FailedWriteStopsTheWriter) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  auto writer = OpenWriter(fs, tmp.path());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Append(TestPayload(i), kSampleBatch).ok());
  fs.FailWriteAt(1, /*partial_bytes=*/5);
  const Status failed = writer->Append(TestPayload(3), kSampleBatch);
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_TRUE(Mentions(failed, "injected fault")) << failed.ToString();
  const Status later = writer->Append(TestPayload(4), kSampleBatch);
  EXPECT_EQ(later.code(), StatusCode::kIOError);
  EXPECT_TRUE(Mentions(later, "stopped after an earlier error")) << later.ToString();
  EXPECT_EQ(writer->Roll().error().code(), StatusCode::kIOError);
  EXPECT_EQ(writer->counters().records, 3u);
  EXPECT_EQ(writer->counters().failures, 1u);
  writer.reset();

  // Restart: the five bytes of the failed write are a torn tail.
  const auto replayed = ReplayAll(fs, tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.records.size(), 3u);
  ASSERT_TRUE(replayed.report.truncation.has_value());
  EXPECT_EQ(replayed.report.truncation->bytes_dropped, 5u);
  writer = OpenWriter(fs, tmp.path());
  EXPECT_TRUE(writer->Append("after restart", kSampleBatch).ok());
}

TEST(WalFailure, FailedSyncStopsTheWriter) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  auto writer = OpenWriter(fs, tmp.path());
  ASSERT_TRUE(writer->Append("durable", kSampleBatch).ok());
  fs.FailSyncAt(1);
  EXPECT_EQ(writer->Append("unknown", kSampleBatch).code(), StatusCode::kIOError);
  // The next sync would succeed, but the pages of the failed one may be
  // gone: the writer must not carry on as if they were durable.
  const Status later = writer->Append("never", kSampleBatch);
  EXPECT_EQ(later.code(), StatusCode::kIOError);
  EXPECT_TRUE(Mentions(later, "stopped")) << later.ToString();
  writer.reset();
  // The failed record reached the page cache and may survive, whole; the
  // one after it was never written.
  const auto replayed = ReplayAll(fs, tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), (std::vector<std::string>{"durable", "unknown"}));
}

TEST(WalFailure, FailedSyncFailsEveryRecordOfItsGroup) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  auto writer = OpenWriter(fs, tmp.path());
  // Hold the first sync in flight so the next appends queue behind it and
  // form one group.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first_sync_entered{false};
  fs.set_before_sync([&] {
    if (!first_sync_entered.exchange(true)) released.wait();
  });
  std::thread leader([&] { EXPECT_TRUE(writer->Append("first", kSampleBatch).ok()); });
  while (!first_sync_entered) std::this_thread::yield();

  constexpr int kFollowers = 5;
  std::vector<Status> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] { results[i] = writer->Append(TestPayload(i), kSampleBatch); });
  }
  while (writer->TEST_QueueLength() < 1 + kFollowers) std::this_thread::yield();
  fs.FailSyncAt(2);  // the held sync is the 1st, the followers' group sync the 2nd
  release.set_value();
  leader.join();
  for (std::thread& follower : followers) follower.join();

  for (const Status& status : results) {
    EXPECT_EQ(status.code(), StatusCode::kIOError);
    EXPECT_TRUE(Mentions(status, "injected fault")) << status.ToString();
  }
  EXPECT_EQ(writer->counters().records, 1u);
  EXPECT_EQ(writer->counters().largest_group, 1u);
  EXPECT_EQ(writer->Append("later", kSampleBatch).code(), StatusCode::kIOError);
}

TEST(WalFailure, FailedRollStopsTheWriterAndRestartRecovers) {
  TempDir tmp;
  TEST_FaultFileSystem fs;
  auto writer = OpenWriter(fs, tmp.path(), {.segment_bytes = 200});
  ASSERT_TRUE(writer->Append(std::string(100, 'a'), kSampleBatch).ok());
  fs.FailWriteAt(1, /*partial_bytes=*/10);  // the next file's header
  EXPECT_EQ(writer->Append(std::string(100, 'b'), kSampleBatch).code(), StatusCode::kIOError);
  EXPECT_EQ(writer->Append("c", kSampleBatch).code(), StatusCode::kIOError);
  EXPECT_EQ(writer->current_sequence(), 1u);
  writer.reset();

  // File 2 holds ten bytes of a header: a torn tail, cut to nothing.
  auto replayed = ReplayAll(fs, tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), std::vector<std::string>{std::string(100, 'a')});
  ASSERT_TRUE(replayed.report.truncation.has_value());
  EXPECT_EQ(replayed.report.truncation->offset, 0u);
  writer = OpenWriter(fs, tmp.path(), {.segment_bytes = 200});
  EXPECT_EQ(writer->current_sequence(), 2u);
  ASSERT_TRUE(writer->Append("d", kSampleBatch).ok());
  writer.reset();
  replayed = ReplayAll(fs, tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), (std::vector<std::string>{std::string(100, 'a'), "d"}));
}

}  // namespace
}  // namespace metrify::engine::wal
