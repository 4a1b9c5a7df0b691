#include "store/engine/wal/wal_writer.h"

#include <gtest/gtest.h>

#include "store/engine/wal/wal_files.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using test_support::OpenWriter;
using test_support::ReplayAll;
using test_support::TempDir;
using test_support::TestPayload;

std::vector<uint64_t> FileNumbers(const std::string& dir) {
  auto files = ListWalFiles(FileSystem::Posix(), dir);
  EXPECT_TRUE(files.has_value());
  return files.has_value() ? files->sequences : std::vector<uint64_t>{};
}

TEST(WalWriter, OpenOnAnEmptyDirectoryStartsFileOne) {
  TempDir tmp;
  const std::string dir = tmp.Join("data/engine/wal");
  auto writer = OpenWriter(FileSystem::Posix(), dir);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->current_sequence(), 1u);
  EXPECT_EQ(FileNumbers(dir), std::vector<uint64_t>{1});
  EXPECT_EQ(test_support::ReadBytes(WalFilePath(dir, 1)), EncodeFileHeader(1));
  EXPECT_EQ(writer->counters().files_created, 1u);
}

TEST(WalWriter, RecordsRoundTripAcrossRolledFiles) {
  TempDir tmp;
  std::vector<std::string> written;
  {
    auto writer = OpenWriter(FileSystem::Posix(), tmp.path(), {.segment_bytes = 4096});
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < 200; ++i) {
      written.push_back(TestPayload(i));
      ASSERT_TRUE(writer->Append(written.back(), kSampleBatch).ok());
    }
    EXPECT_GT(writer->current_sequence(), 5u);
    const WalCounters counters = writer->counters();
    EXPECT_EQ(counters.records, 200u);
    EXPECT_EQ(counters.groups, 200u);  // one thread: every record is its own group
    EXPECT_EQ(counters.files_created, writer->current_sequence());
  }
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), written);
  EXPECT_FALSE(replayed.report.truncation.has_value());
  EXPECT_EQ(replayed.report.files, replayed.report.last_sequence);
  // Offsets are where each record starts; files stay within segment_bytes.
  uint64_t file = 0, expected_offset = 0;
  for (const auto& record : replayed.records) {
    if (record.file != file) file = record.file, expected_offset = kFileHeaderSize;
    EXPECT_EQ(record.offset, expected_offset);
    EXPECT_EQ(record.type, kSampleBatch);
    expected_offset += kRecordHeaderSize + record.payload.size();
    EXPECT_LE(expected_offset, 4096u);
  }
}

TEST(WalWriter, ReopenContinuesInTheLastFile) {
  TempDir tmp;
  {
    auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
    ASSERT_TRUE(writer->Append("one", kSampleBatch).ok());
  }
  {
    ASSERT_TRUE(ReplayAll(FileSystem::Posix(), tmp.path()).status.ok());
    auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
    EXPECT_EQ(writer->current_sequence(), 1u);
    EXPECT_EQ(writer->counters().files_created, 0u);
    ASSERT_TRUE(writer->Append("two", kSampleBatch).ok());
  }
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(FileNumbers(tmp.path()), std::vector<uint64_t>{1});
}

TEST(WalWriter, RollStartsANewFileOnlyAfterRecords) {
  TempDir tmp;
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  auto rolled = writer->Roll();
  ASSERT_TRUE(rolled.has_value());
  EXPECT_EQ(*rolled, 1u);  // file 1 holds no record: nothing to roll
  ASSERT_TRUE(writer->Append("a", kSampleBatch).ok());
  rolled = writer->Roll();
  ASSERT_TRUE(rolled.has_value());
  EXPECT_EQ(*rolled, 2u);
  EXPECT_EQ(writer->current_sequence(), 2u);
  ASSERT_TRUE(writer->Append("b", kSampleBatch).ok());
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_EQ(replayed.records.size(), 2u);
  EXPECT_EQ(replayed.records[0].file, 1u);
  EXPECT_EQ(replayed.records[1].file, 2u);
}

TEST(WalWriter, RemoveFilesBeforeKeepsTheCurrentFile) {
  TempDir tmp;
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(writer->Append(TestPayload(i), kSampleBatch).ok());
    ASSERT_TRUE(writer->Roll().has_value());
  }
  EXPECT_EQ(FileNumbers(tmp.path()), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(writer->RemoveFilesBefore(5).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(writer->RemoveFilesBefore(3).ok());
  EXPECT_EQ(FileNumbers(tmp.path()), (std::vector<uint64_t>{3, 4}));
  ASSERT_TRUE(writer->Append("after", kSampleBatch).ok());
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), (std::vector<std::string>{TestPayload(2), "after"}));
  EXPECT_EQ(replayed.report.first_sequence, 3u);
}

TEST(WalWriter, InvalidRecordsAreRefusedAndTheWriterCarriesOn) {
  TempDir tmp;
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  EXPECT_EQ(writer->Append("x", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Append("x", 99).code(), StatusCode::kInvalidArgument);
  const std::string huge(kMaxRecordPayload + 1, 'h');
  EXPECT_EQ(writer->Append(huge, kSampleBatch).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer->Append("fine", kSampleBatch).ok());
  EXPECT_EQ(ReplayAll(FileSystem::Posix(), tmp.path()).payloads(),
            std::vector<std::string>{"fine"});
}

TEST(WalWriter, EmptyPayloadIsARecord) {
  TempDir tmp;
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(writer->Append("", kSampleBatch).ok());
  EXPECT_EQ(ReplayAll(FileSystem::Posix(), tmp.path()).payloads(), std::vector<std::string>{""});
}

TEST(WalWriter, OpenRefusesALastFileWithADamagedHeader) {
  TempDir tmp;
  test_support::WriteBytes(tmp.Join("00000001.wal"), "MTRWAL");
  auto writer = WalWriter::Open(FileSystem::Posix(), tmp.path());
  ASSERT_FALSE(writer.has_value());
  EXPECT_EQ(writer.error().code(), StatusCode::kCorruption);
  EXPECT_NE(writer.error().message().find("00000001.wal offset 0"), std::string::npos)
      << writer.error().message();
}

}  // namespace
}  // namespace metrify::engine::wal
