// ReadingsEngine::Backup (backup.cc): the copy opens as an engine with the
// same readings, flushed or not; segments are hard links (copies across file
// systems); a backup taken while appends go on holds every batch acknowledged
// before it began, each batch wholly or not at all, and a WAL without a torn
// tail.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/engine/engine_test_support.h"
#include "store/engine/readings_engine.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine {
namespace {

using wal::WalSample;
using wal::test_support::TempDir;

using namespace test_support;

std::vector<WalSample> Day(int64_t day_start, uint32_t meters) {
  return test_support::Day(day_start, meters, 0, 1024);  // values exact in binary
}

EngineOptions TestOptions() { return ManualFlushOptions(); }

// Every stored sample of meters 1..meters in [start, end), for comparing.
std::vector<std::tuple<uint32_t, int64_t, double, uint16_t>> Dump(const ReadingsEngine& e,
                                                                  uint32_t meters, int64_t start,
                                                                  int64_t end) {
  std::vector<std::tuple<uint32_t, int64_t, double, uint16_t>> out;
  for (uint32_t m = 1; m <= meters; ++m) {
    std::vector<HeadSample> read;
    Status s = e.ReadLatest(SeriesKey{kReading, m}, start, end, &read);
    EXPECT_TRUE(s.ok()) << s.message();
    for (const HeadSample& h : read) out.emplace_back(m, h.timestamp_ms, h.values[0], h.revision);
  }
  return out;
}

std::vector<std::string> SegmentFiles(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& f : std::filesystem::recursive_directory_iterator(root)) {
    if (f.path().extension() == ".seg") files.push_back(f.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class EngineBackupTest : public ::testing::Test {
 protected:
  std::unique_ptr<ReadingsEngine> Open(const std::string& root, OpenReport* report = nullptr) {
    auto engine = ReadingsEngine::Open(fs_, root, TestOptions(), report);
    EXPECT_TRUE(engine.has_value()) << engine.status().message();
    return engine.has_value() ? std::move(engine).value() : nullptr;
  }

  FileSystem& fs_ = FileSystem::Posix();
  TempDir dir_;
  std::string data_ = dir_.Join("data");
  std::string backup_ = dir_.Join("backup/engine");  // parents are created
};

TEST_F(EngineBackupTest, TheCopyOpensWithTheSameReadingsFlushedOrStillInTheHead) {
  auto e = Open(data_);
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 20)).has_value());
  ASSERT_TRUE(e->FlushAll().ok());
  // Still in the head: a new day, and a revision of a flushed reading.
  ASSERT_TRUE(e->Append(kReading, Day(kJan15 + kDay, 20)).has_value());
  ASSERT_EQ(e->Append(kReading, std::vector{Reading(3, kJan15 + kQuarter, 9.5)})->revised, 1u);
  ASSERT_GT(e->stats().head_samples, 0u);
  const auto before = Dump(*e, 20, kJan15, kJan15 + 2 * kDay);
  ASSERT_EQ(before.size(), 2u * 96 * 20);

  Result<BackupReport> report = e->Backup(backup_);
  ASSERT_TRUE(report.has_value()) << report.status().message();
  EXPECT_EQ(report->segments, SegmentFiles(backup_).size());
  EXPECT_GE(report->segments, 3u) << "the first flush, then both days at the backup's flush";
  EXPECT_GE(report->wal_files, 1u);
  EXPECT_GT(report->bytes, 0u);
  EXPECT_EQ(Dump(*e, 20, kJan15, kJan15 + 2 * kDay), before) << "the engine is unchanged";

  OpenReport opened;
  auto copy = Open(backup_, &opened);
  ASSERT_TRUE(copy);
  EXPECT_FALSE(opened.replay.truncation.has_value());
  EXPECT_EQ(Dump(*copy, 20, kJan15, kJan15 + 2 * kDay), before);
  EXPECT_EQ((*copy->Latest(SeriesKey{kReading, 7}))->timestamp_ms, kJan15 + 2 * kDay - kQuarter);
  // Retries stay no-ops in the copy, and the revision keeps its number.
  EXPECT_EQ(copy->Append(kReading, std::vector{Reading(3, kJan15 + kQuarter, 9.5)})->unchanged, 1u);
}

TEST_F(EngineBackupTest, SegmentsAreHardLinksAndTheCopyOutlivesTheOriginal) {
  auto e = Open(data_);
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 5)).has_value());
  ASSERT_TRUE(e->Backup(backup_).has_value());
  const std::vector<std::string> originals = SegmentFiles(data_);
  const std::vector<std::string> copies = SegmentFiles(backup_);
  ASSERT_EQ(copies.size(), 1u);
  ASSERT_EQ(originals.size(), 1u);
  struct stat a {
  }, b{};
  ASSERT_EQ(stat(originals[0].c_str(), &a), 0);
  ASSERT_EQ(stat(copies[0].c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "one file, two names";
  EXPECT_EQ(b.st_nlink, 2u);
  const auto before = Dump(*e, 5, kJan15, kJan15 + kDay);
  e.reset();
  std::filesystem::remove_all(data_);
  auto copy = Open(backup_);
  ASSERT_TRUE(copy);
  EXPECT_EQ(Dump(*copy, 5, kJan15, kJan15 + kDay), before);
}

TEST_F(EngineBackupTest, CopiesSegmentsWhenTheTargetIsOnAnotherFileSystem) {
  struct stat tmp {
  }, shm{};
  if (stat(dir_.path().c_str(), &tmp) != 0 || stat("/dev/shm", &shm) != 0 ||
      tmp.st_dev == shm.st_dev || access("/dev/shm", W_OK) != 0) {
    GTEST_SKIP() << "needs /dev/shm on another file system than " << dir_.path();
  }
  std::string pattern = "/dev/shm/metrify-backup-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string other = pattern + "/engine";
  auto e = Open(data_);
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 5)).has_value());
  Result<BackupReport> report = e->Backup(other);
  ASSERT_TRUE(report.has_value()) << report.status().message();
  const std::vector<std::string> copies = SegmentFiles(other);
  ASSERT_EQ(copies.size(), 1u);
  struct stat copy_stat {};
  ASSERT_EQ(stat(copies[0].c_str(), &copy_stat), 0);
  EXPECT_EQ(copy_stat.st_nlink, 1u) << "a copy, not a link";
  auto copy = Open(other);
  ASSERT_TRUE(copy);
  EXPECT_EQ(Dump(*copy, 5, kJan15, kJan15 + kDay), Dump(*e, 5, kJan15, kJan15 + kDay));
  copy.reset();
  std::filesystem::remove_all(pattern);
}

TEST_F(EngineBackupTest, RefusesANonEmptyDirectoryAndOneInsideTheEngine) {
  auto e = Open(data_);
  ASSERT_TRUE(e->Append(kReading, Day(kJan15, 2)).has_value());
  std::filesystem::create_directories(dir_.Join("full"));
  std::ofstream(dir_.Join("full/x")) << "x";
  Result<BackupReport> full = e->Backup(dir_.Join("full"));
  EXPECT_EQ(full.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(full.status().message().find("not empty"), std::string::npos)
      << full.status().message();
  EXPECT_EQ(e->Backup(JoinPath(data_, "backup")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Backup(data_).status().code(), StatusCode::kInvalidArgument);
  std::ofstream(dir_.Join("file")) << "x";
  EXPECT_EQ(e->Backup(dir_.Join("file")).status().code(), StatusCode::kInvalidArgument);
  // An existing empty directory is fine.
  std::filesystem::create_directories(dir_.Join("empty"));
  EXPECT_TRUE(e->Backup(dir_.Join("empty")).has_value());
}

// One writer appends batch after batch (each the next quarter hour of 5
// meters) while the backup runs. The copy must hold a prefix of the
// batches: all acknowledged before Backup was called, maybe some more, each
// wholly, and nothing after a missing one.
TEST_F(EngineBackupTest, ABackupDuringAppendsHoldsAWholePrefixOfTheBatches) {
  constexpr uint32_t kMeters = 5;
  auto e = Open(data_);
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int batch = 0; !stop && batch < 20'000; ++batch) {
      std::vector<WalSample> samples;
      for (uint32_t m = 1; m <= kMeters; ++m) {
        samples.push_back(Reading(m, kJan15 + batch * kQuarter, m * 1000.0 + batch));
      }
      if (!e->Append(kReading, samples).has_value()) return;
      acknowledged = batch + 1;
    }
  });
  while (acknowledged < 200) std::this_thread::yield();
  const int before = acknowledged;
  Result<BackupReport> report = e->Backup(backup_);
  const int after = acknowledged;
  stop = true;
  writer.join();
  ASSERT_TRUE(report.has_value()) << report.status().message();

  OpenReport opened;
  auto copy = Open(backup_, &opened);
  ASSERT_TRUE(copy);
  EXPECT_FALSE(opened.replay.truncation.has_value()) << "the WAL copy ends with a whole record";
  std::vector<std::vector<HeadSample>> series(kMeters + 1);
  for (uint32_t m = 1; m <= kMeters; ++m) {
    ASSERT_TRUE(
        copy->ReadLatest(SeriesKey{kReading, m}, kJan15, kJan15 + 400 * kDay, &series[m]).ok());
  }
  const size_t batches = series[1].size();
  EXPECT_GE(batches, static_cast<size_t>(before)) << "acknowledged before the backup, missing";
  EXPECT_LE(batches, static_cast<size_t>(after) + 1) << "appended after the backup had ended";
  for (uint32_t m = 1; m <= kMeters; ++m) {
    ASSERT_EQ(series[m].size(), batches) << "meter " << m << ": a batch is half in the backup";
    for (size_t i = 0; i < batches; ++i) {
      ASSERT_EQ(series[m][i].timestamp_ms, kJan15 + static_cast<int64_t>(i) * kQuarter)
          << "meter " << m << ": batch " << i << " is missing, later ones are there";
      ASSERT_EQ(series[m][i].values[0], m * 1000.0 + static_cast<double>(i));
    }
  }
}

}  // namespace
}  // namespace metrify::engine
