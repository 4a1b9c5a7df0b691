#include "store/engine/readings_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/time.h"
#include "store/engine/engine_test_support.h"
#include "store/engine/segment/segment_files.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine {
namespace {

using wal::WalSample;
using wal::test_support::TempDir;

using namespace test_support;

EngineOptions TestOptions() { return ManualFlushOptions(); }

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<ReadingsEngine> Open(EngineOptions options = TestOptions(),
                                       OpenReport* report = nullptr) {
    auto engine = ReadingsEngine::Open(fs_, dir_.path(), options, report);
    EXPECT_TRUE(engine.has_value()) << engine.status().message();
    return engine.has_value() ? std::move(engine).value() : nullptr;
  }
  std::vector<HeadSample> Read(ReadingsEngine& e, uint32_t meter, int64_t start, int64_t end) {
    std::vector<HeadSample> out;
    Status s = e.ReadLatest(SeriesKey{kReading, meter}, start, end, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
  size_t WalFiles() {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir_.Join("wal"))) {
      n += f.path().extension() == ".wal";
    }
    return n;
  }

  FileSystem& fs_ = FileSystem::Posix();
  TempDir dir_;
};

TEST_F(EngineTest, CountsInsertsNoOpRetriesAndRevisions) {
  auto e = Open();
  std::vector<WalSample> batch = {Reading(1, kJan15 + kQuarter, 0.25),
                                  Reading(1, kJan15 + 2 * kQuarter, 0.5)};
  auto first = e->Append(kReading, batch);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->inserted, 2u);
  auto retry = e->Append(kReading, batch);
  EXPECT_EQ(retry->unchanged, 2u);
  auto change = e->Append(kReading, std::vector{Reading(1, kJan15 + kQuarter, 0.3)});
  EXPECT_EQ(change->revised, 1u);
  auto read = Read(*e, 1, kJan15, kJan15 + kDay);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].values[0], 0.3);
  EXPECT_EQ(read[0].revision, 1);
  EXPECT_EQ(read[1].values[0], 0.5);
}

TEST_F(EngineTest, RefusesABatchWithAnEmptyOrForeignFieldAndWritesNothing) {
  auto e = Open();
  WalSample empty = Reading(1, kJan15, 1);
  empty.present = 0;
  EXPECT_EQ(
      e->Append(kReading, std::vector{Reading(1, kJan15 + kQuarter, 1), empty}).status().code(),
      StatusCode::kInvalidArgument);
  WalSample foreign = Reading(1, kJan15, 1);
  foreign.present = 1u << 11;  // readings have fewer than 12 fields
  EXPECT_EQ(e->Append(kReading, std::vector{foreign}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(e->stats().wal.records, 0u);
  EXPECT_TRUE(Read(*e, 1, kJan15, kJan15 + kDay).empty());
}

TEST_F(EngineTest, EveryAcknowledgedSampleSurvivesAReopenWithoutClose) {
  {
    auto e = Open();
    ASSERT_TRUE(e->Append(kReading, Day(kJan15, 20)).has_value());
    ASSERT_TRUE(e->Append(kReading, std::vector{Reading(3, kJan15 + kQuarter, 9.5)}).has_value());
  }  // no Close: as after a crash, only the WAL has the data
  OpenReport report;
  auto e = Open(TestOptions(), &report);
  EXPECT_EQ(report.samples_replayed, 96u * 20 + 1);
  auto read = Read(*e, 3, kJan15, kJan15 + kDay);
  ASSERT_EQ(read.size(), 96u);
  EXPECT_EQ(read[1].values[0], 9.5);
  EXPECT_EQ(read[1].revision, 1) << "the revision survives the replay";
  EXPECT_EQ(e->Append(kReading, Day(kJan15, 20))->unchanged, 96u * 20 - 1);
}

TEST_F(EngineTest, FlushedDaysReadBackAndTheirWalIsDeleted) {
  auto e = Open();
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 50)).has_value());
  ASSERT_TRUE(e->Append(kReading, Day(kJan15 + kDay, 50)).has_value());
  ASSERT_TRUE(e->FlushAll().ok());
  EngineStats stats = e->stats();
  EXPECT_EQ(stats.head_samples, 0u);
  EXPECT_EQ(stats.segments, 2u);
  EXPECT_EQ(WalFiles(), 1u) << "only the current, empty WAL file is left";
  auto read = Read(*e, 7, kJan15, kJan15 + 2 * kDay);
  ASSERT_EQ(read.size(), 192u);
  EXPECT_DOUBLE_EQ(read[0].values[0], 7.001);
  EXPECT_DOUBLE_EQ(read[191].values[0], 7.096);
  EXPECT_EQ((*e->Latest(SeriesKey{kReading, 7}))->timestamp_ms, kJan15 + 2 * kDay - kQuarter);
}

TEST_F(EngineTest, UpsertsIntoFlushedDaysKeepRetriesNoOpsAndNumberRevisions) {
  auto e = Open();
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 5)).has_value());
  ASSERT_TRUE(e->FlushAll().ok());
  EXPECT_EQ(e->Append(kReading, Day(kJan15, 5))->unchanged, 96u * 5) << "a retry after the flush";
  auto revised = e->Append(kReading, std::vector{Reading(2, kJan15 + kQuarter, 42)});
  EXPECT_EQ(revised->revised, 1u);
  ASSERT_TRUE(e->FlushAll().ok());
  EXPECT_EQ(e->Append(kReading, std::vector{Reading(2, kJan15 + kQuarter, 42)})->unchanged, 1u);
  auto again = e->Append(kReading, std::vector{Reading(2, kJan15 + kQuarter, 43)});
  EXPECT_EQ(again->revised, 1u);
  auto read = Read(*e, 2, kJan15 + kQuarter, kJan15 + 2 * kQuarter);
  ASSERT_EQ(read.size(), 1u) << "one sample per timestamp across head and two segments";
  EXPECT_EQ(read[0].values[0], 43);
  EXPECT_EQ(read[0].revision, 2);
  e.reset();
  e = Open();
  read = Read(*e, 2, kJan15 + kQuarter, kJan15 + 2 * kQuarter);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].values[0], 43);
}

TEST_F(EngineTest, CompactionMergesADaysSegmentsAndKeepsRawAndLatestRevisions) {
  auto e = Open();
  std::vector<WalSample> day = Day(kJan15, 3);
  const std::vector<WalSample> first(day.begin(), day.begin() + 100);
  const std::vector<WalSample> rest(day.begin() + 100, day.end());
  ASSERT_TRUE(e->Append(kReading, first).has_value());
  ASSERT_TRUE(e->FlushAll().ok());
  ASSERT_TRUE(e->Append(kReading, rest).has_value());
  ASSERT_TRUE(e->FlushAll().ok());
  for (double v : {10.0, 11.0, 12.0}) {  // three revisions of one reading, one per flush
    ASSERT_TRUE(e->Append(kReading, std::vector{Reading(2, kJan15 + kQuarter, v)}).has_value());
    ASSERT_TRUE(e->FlushAll().ok());
  }
  const auto before = Read(*e, 2, kJan15, kJan15 + kDay);
  EXPECT_EQ(e->stats().segments, 5u);
  ASSERT_TRUE(e->Compact().ok());
  EXPECT_EQ(e->stats().segments, 1u);
  EXPECT_EQ(e->stats().compactions, 1u);
  size_t files = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir_.Join("reading"))) {
    files += f.path().extension() == ".seg";
  }
  EXPECT_EQ(files, 1u) << "the merged inputs are deleted";
  const auto after = Read(*e, 2, kJan15, kJan15 + kDay);
  ASSERT_EQ(after.size(), 96u);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].timestamp_ms, before[i].timestamp_ms);
    EXPECT_EQ(after[i].values[0], before[i].values[0]);
  }
  EXPECT_EQ(after[1].values[0], 12);
  EXPECT_EQ(after[1].revision, 3) << "the latest revision keeps its number";
  EXPECT_EQ(e->Append(kReading, std::vector{Reading(2, kJan15 + kQuarter, 12)})->unchanged, 1u);
  EXPECT_EQ(e->Append(kReading, Day(kJan15, 3))->unchanged, 96u * 3 - 1)
      << "retries of the raw data are still no-ops, except the revised reading, which goes "
         "back to its raw value as revision 4";
  e.reset();
  e = Open();
  EXPECT_DOUBLE_EQ(Read(*e, 2, kJan15, kJan15 + kDay)[1].values[0], 2.002);
  EXPECT_EQ(Read(*e, 2, kJan15, kJan15 + kDay)[1].revision, 4);
  EXPECT_EQ(Read(*e, 3, kJan15, kJan15 + kDay).size(), 96u);
}

TEST_F(EngineTest, RetentionDropsWholeOldPartitionsAndDoesNotReplayThem) {
  const int64_t today = (NowMillis() / kDay) * kDay;
  EngineOptions options = TestOptions();
  options.retention_days = 3;  // today and the two days before
  {
    auto e = Open(options);
    EXPECT_EQ(e->RetentionCutoffDay(), PartitionOf(today) - 2);
    ASSERT_TRUE(e->Append(kReading, Day(today - 10 * kDay, 2)).has_value());
    ASSERT_TRUE(e->Append(kReading, Day(today - 5 * kDay, 2)).has_value());
    ASSERT_TRUE(e->FlushAll().ok());
    ASSERT_TRUE(e->Append(kReading, Day(today - 4 * kDay, 2)).has_value());  // still in the head
    ASSERT_TRUE(e->Append(kReading, Day(today - 2 * kDay, 2)).has_value());
    auto dropped = e->DropExpired();
    ASSERT_TRUE(dropped.has_value()) << dropped.status().message();
    EXPECT_EQ(*dropped, 3u);
    EXPECT_TRUE(Read(*e, 1, today - 11 * kDay, today - 3 * kDay).empty());
    EXPECT_EQ(Read(*e, 1, today - 2 * kDay, today).size(), 96u);
    EXPECT_FALSE(std::filesystem::exists(
        segment::PartitionDir(dir_.path(), kReading, PartitionOf(today - 10 * kDay))));
  }  // no Close: the WAL still holds the old days
  OpenReport report;
  auto e = Open(options, &report);
  EXPECT_TRUE(Read(*e, 1, today - 11 * kDay, today - 3 * kDay).empty())
      << "expired days are not replayed from the WAL";
  EXPECT_EQ(Read(*e, 1, today - 2 * kDay, today).size(), 96u);
}

TEST_F(EngineTest, ReplaySkipsRecordsAlreadyInSegments) {
  {
    auto e = Open();
    // Two revisions of one day, then the next day: one WAL file holds both.
    ASSERT_TRUE(e->Append(kReading, Day(kJan15, 4)).has_value());
    ASSERT_TRUE(e->Append(kReading, Day(kJan15, 4, 0.5)).has_value());
    ASSERT_TRUE(e->Append(kReading, Day(kJan15 + kDay, 4)).has_value());
    // Data 30 min into the third day makes the first day due (its end is
    // more than the 1 h grace ago), not the second.
    ASSERT_TRUE(e->Append(kReading, std::vector{Reading(1, kJan15 + 2 * kDay + 2 * kQuarter, 1)})
                    .has_value());
    ASSERT_TRUE(e->FlushDue().ok());
    EXPECT_EQ(e->stats().segments, 1u);
    EXPECT_EQ(WalFiles(), 2u) << "the old file still holds the second day";
  }
  OpenReport report;
  auto e = Open(TestOptions(), &report);
  EXPECT_EQ(report.samples_skipped, 2u * 96 * 4) << "the flushed day is not applied twice";
  EXPECT_EQ(report.samples_replayed, 96u * 4 + 1);
  auto read = Read(*e, 3, kJan15, kJan15 + kDay);
  ASSERT_EQ(read.size(), 96u);
  EXPECT_EQ(read[0].revision, 1) << "no extra revision from replaying the first value";
  EXPECT_DOUBLE_EQ(read[0].values[0], 3.501);
}

TEST_F(EngineTest, LatestComesBackFromSegmentsAndWalAfterReopen) {
  {
    auto e = Open();
    ASSERT_TRUE(e->Append(kReading, Day(kJan15, 3)).has_value());
    ASSERT_TRUE(e->FlushAll().ok());
    ASSERT_TRUE(
        e->Append(kReading, std::vector{Reading(2, kJan15 + kDay + kQuarter, 8)}).has_value());
  }
  auto e = Open();
  EXPECT_EQ((*e->Latest(SeriesKey{kReading, 1}))->timestamp_ms, kJan15 + kDay - kQuarter);
  EXPECT_DOUBLE_EQ((*e->Latest(SeriesKey{kReading, 1}))->values[0], 1.096);
  EXPECT_EQ((*e->Latest(SeriesKey{kReading, 2}))->values[0], 8);
  EXPECT_FALSE(e->Latest(SeriesKey{kReading, 9})->has_value());
  EXPECT_FALSE(e->Latest(SeriesKey{model::SeriesKind::kGridStatus, 1})->has_value());
}

TEST_F(EngineTest, ATornWalTailIsCutAndEverythingBeforeItKept) {
  {
    auto e = Open();
    ASSERT_TRUE(e->Append(kReading, Day(kJan15, 2)).has_value());
  }
  const std::string wal_file = dir_.Join("wal/00000001.wal");
  {
    std::ofstream out(wal_file, std::ios::app | std::ios::binary);
    out << std::string("\x10\x20\x30\x40\x50\x60\x70", 7);  // half a record header
  }
  OpenReport report;
  auto e = Open(TestOptions(), &report);
  ASSERT_TRUE(report.replay.truncation.has_value());
  EXPECT_EQ(report.replay.truncation->bytes_dropped, 7u);
  EXPECT_EQ(Read(*e, 2, kJan15, kJan15 + kDay).size(), 96u);
}

TEST_F(EngineTest, RefusesAppendsWhenMemoryIsFullAndTakesThemAgainAfterAFlush) {
  EngineOptions options = TestOptions();
  options.head_budget_bytes = 64 << 10;
  options.head_limit_bytes = 128 << 10;
  auto e = Open(options);
  Status refused;
  int accepted = 0;
  for (int day = 0; day < 50 && refused.ok(); ++day) {
    refused = e->Append(kReading, Day(kJan15 + day * kDay, 5)).status();
    accepted += refused.ok();
  }
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.message();
  EXPECT_GT(accepted, 0);
  EXPECT_EQ(e->stats().refused_appends, 1u);
  ASSERT_TRUE(e->FlushAll().ok());
  EXPECT_TRUE(e->Append(kReading, Day(kJan15 + 60 * kDay, 5)).has_value());
  EXPECT_EQ(Read(*e, 5, kJan15, kJan15 + 100 * kDay).size(), 96u * (accepted + 1));
}

TEST_F(EngineTest, ConcurrentWritersReadersAndTheFlusherLoseNothing) {
  EngineOptions options;
  options.head_budget_bytes = 256 << 10;  // the flusher runs often
  options.head_limit_bytes = 64 << 20;
  auto e = Open(options);
  constexpr int kWriters = 4;
  constexpr int kDays = 6;
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  std::thread reader([&] {
    while (!done) {
      auto read = Read(*e, 1, kJan15, kJan15 + kDays * kDay);
      for (size_t i = 1; i < read.size(); ++i) {
        if (read[i].timestamp_ms <= read[i - 1].timestamp_ms) ++bad_reads;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int day = 0; day < kDays; ++day) {
        std::vector<WalSample> batch;
        for (int slot = 0; slot < 96; ++slot) {
          for (uint32_t m = 1 + w * 25; m <= 25u + w * 25; ++m) {
            batch.push_back(Reading(m, kJan15 + day * kDay + slot * kQuarter, m + slot));
          }
          Status s;
          do {
            s = e->Append(kReading, batch).status();
          } while (s.code() == StatusCode::kResourceExhausted);
          ASSERT_TRUE(s.ok()) << s.message();
          batch.clear();
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad_reads.load(), 0) << "every read is ordered and free of duplicates";
  EXPECT_GT(e->stats().flushes, 0u);
  for (uint32_t m : {1u, 26u, 77u, 100u}) {
    auto read = Read(*e, m, kJan15, kJan15 + kDays * kDay);
    ASSERT_EQ(read.size(), 96u * kDays) << "meter " << m;
    EXPECT_EQ(read[5].values[0], m + 5);
  }
  ASSERT_TRUE(e->Close().ok());
  e.reset();
  e = Open();
  EXPECT_EQ(Read(*e, 100, kJan15, kJan15 + kDays * kDay).size(), 96u * kDays);
}

}  // namespace
}  // namespace metrify::engine
