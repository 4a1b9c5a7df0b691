// Replay's recovery policy (docs/format/wal.md, "Recovery"): a torn or
// corrupt tail of the last file is cut and reported; any other damage is
// Corruption naming file and offset, and no file changes.
#include "store/engine/wal/wal_reader.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using test_support::FramedRecord;
using test_support::OpenWriter;
using test_support::ReadBytes;
using test_support::ReplayAll;
using test_support::TempDir;
using test_support::TestPayload;
using test_support::WriteBytes;

// Writes records 0..count-1 into file 1 of `dir`; returns each record's offset.
std::vector<uint64_t> WriteRecords(const std::string& dir, int count) {
  auto writer = OpenWriter(FileSystem::Posix(), dir);
  std::vector<uint64_t> offsets;
  uint64_t offset = kFileHeaderSize;
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(writer->Append(TestPayload(i), kSampleBatch).ok());
    offsets.push_back(offset);
    offset += kRecordHeaderSize + TestPayload(i).size();
  }
  return offsets;
}

std::vector<std::string> Payloads(int count) {
  std::vector<std::string> payloads;
  for (int i = 0; i < count; ++i) payloads.push_back(TestPayload(i));
  return payloads;
}

void ExpectCorruptionAt(const Status& status, const std::string& file, uint64_t offset) {
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  const std::string where = file + " offset " + std::to_string(offset) + ":";
  EXPECT_NE(status.message().find(where), std::string::npos)
      << "wanted \"" << where << "\" in: " << status.message();
}

TEST(WalReplay, MissingDirectoryIsAnEmptyWal) {
  TempDir tmp;
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.Join("absent"));
  EXPECT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.report.files, 0u);
}

TEST(WalReplay, TornTailAtEveryByteIsCutAndEverythingBeforeSurvives) {
  TempDir source;
  const std::vector<uint64_t> offsets = WriteRecords(source.path(), 5);
  const std::string whole = ReadBytes(source.Join("00000001.wal"));
  const uint64_t last = offsets.back();
  for (uint64_t cut = last; cut < whole.size(); ++cut) {
    TempDir tmp;
    const std::string path = tmp.Join("00000001.wal");
    WriteBytes(path, whole.substr(0, cut));
    const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
    ASSERT_TRUE(replayed.status.ok()) << cut << ": " << replayed.status.ToString();
    EXPECT_EQ(replayed.payloads(), Payloads(4)) << cut;
    EXPECT_EQ(ReadBytes(path), whole.substr(0, last)) << cut;
    if (cut == last) {
      EXPECT_FALSE(replayed.report.truncation.has_value());
      continue;
    }
    ASSERT_TRUE(replayed.report.truncation.has_value()) << cut;
    EXPECT_EQ(replayed.report.truncation->file, path);
    EXPECT_EQ(replayed.report.truncation->offset, last);
    EXPECT_EQ(replayed.report.truncation->bytes_dropped, cut - last);
  }
}

TEST(WalReplay, WriterContinuesCleanlyAfterATornTailIsCut) {
  TempDir tmp;
  const std::vector<uint64_t> offsets = WriteRecords(tmp.path(), 3);
  const std::string path = tmp.Join("00000001.wal");
  WriteBytes(path, ReadBytes(path).substr(0, offsets.back() + 5));
  ASSERT_TRUE(ReplayAll(FileSystem::Posix(), tmp.path()).status.ok());
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(writer->Append("new", kSampleBatch).ok());
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), (std::vector<std::string>{TestPayload(0), TestPayload(1), "new"}));
}

TEST(WalReplay, CorruptLastRecordIsCut) {
  TempDir tmp;
  const std::vector<uint64_t> offsets = WriteRecords(tmp.path(), 3);
  const std::string path = tmp.Join("00000001.wal");
  std::string bytes = ReadBytes(path);
  bytes[offsets.back() + kRecordHeaderSize + 2] ^= 0x40;
  WriteBytes(path, bytes);
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), Payloads(2));
  ASSERT_TRUE(replayed.report.truncation.has_value());
  EXPECT_NE(replayed.report.truncation->reason.find("checksum mismatch"), std::string::npos);
}

TEST(WalReplay, ZeroFilledTailIsCut) {
  TempDir tmp;
  WriteRecords(tmp.path(), 2);
  const std::string path = tmp.Join("00000001.wal");
  const std::string good = ReadBytes(path);
  WriteBytes(path, good + std::string(8192, '\0'));
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.payloads(), Payloads(2));
  ASSERT_TRUE(replayed.report.truncation.has_value());
  EXPECT_EQ(replayed.report.truncation->bytes_dropped, 8192u);
  EXPECT_EQ(ReadBytes(path), good);
}

// Every byte of record 2 of 5, flipped in turn: valid records follow, so
// this is damage to acknowledged data, never a tail to cut.
TEST(WalReplay, DamageFollowedByAValidRecordIsCorruptionAndChangesNothing) {
  TempDir tmp;
  const std::vector<uint64_t> offsets = WriteRecords(tmp.path(), 5);
  const std::string path = tmp.Join("00000001.wal");
  const std::string original = ReadBytes(path);
  for (uint64_t at = offsets[2]; at < offsets[3]; ++at) {
    std::string damaged = original;
    damaged[at] ^= 0x10;
    WriteBytes(path, damaged);
    const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
    ExpectCorruptionAt(replayed.status, path, offsets[2]);
    EXPECT_EQ(ReadBytes(path), damaged) << "replay changed the file, flip at " << at;
    EXPECT_FALSE(replayed.report.truncation.has_value());
  }
}

TEST(WalReplay, DamageInAnEarlierFileIsCorruption) {
  TempDir tmp;
  {
    auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
    ASSERT_TRUE(writer->Append(TestPayload(0), kSampleBatch).ok());
    ASSERT_TRUE(writer->Append(TestPayload(1), kSampleBatch).ok());
    ASSERT_TRUE(writer->Roll().has_value());
    ASSERT_TRUE(writer->Append(TestPayload(2), kSampleBatch).ok());
  }
  const std::string first = tmp.Join("00000001.wal");
  const std::string original = ReadBytes(first);
  const uint64_t last_record = kFileHeaderSize + kRecordHeaderSize + TestPayload(0).size();
  // A flipped byte in its last record, and a cut through it: both would be
  // a torn tail in the last file, but file 1 was synced before file 2 began.
  for (const std::string& damaged :
       {original.substr(0, last_record) + char(original[last_record] ^ 1) +
            original.substr(last_record + 1),
        original.substr(0, original.size() - 3)}) {
    WriteBytes(first, damaged);
    const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
    ExpectCorruptionAt(replayed.status, first, last_record);
    EXPECT_EQ(ReadBytes(first), damaged);
  }
}

TEST(WalReplay, UnknownRecordTypeIsCorruptionEvenAtTheEnd) {
  TempDir tmp;
  const std::vector<uint64_t> offsets = WriteRecords(tmp.path(), 2);
  const std::string path = tmp.Join("00000001.wal");
  const std::string bytes = ReadBytes(path) + FramedRecord(7, "from the future");
  WriteBytes(path, bytes);
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ExpectCorruptionAt(replayed.status, path,
                     offsets.back() + kRecordHeaderSize + TestPayload(1).size());
  EXPECT_NE(replayed.status.message().find("unknown record type 7"), std::string::npos);
  EXPECT_EQ(ReadBytes(path), bytes);
}

TEST(WalReplay, NewerFormatVersionIsCorruption) {
  TempDir tmp;
  WriteRecords(tmp.path(), 1);
  const std::string path = tmp.Join("00000001.wal");
  std::string bytes = ReadBytes(path);
  bytes[8] = 2;  // version 2, with a header checksum that matches it
  const uint32_t crc = crc32c::Value(bytes.data(), 20);
  for (int i = 0; i < 4; ++i) bytes[20 + i] = static_cast<char>(crc >> (8 * i));
  WriteBytes(path, bytes);
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ExpectCorruptionAt(replayed.status, path, 0);
  EXPECT_NE(replayed.status.message().find("version 2"), std::string::npos);
  EXPECT_EQ(ReadBytes(path), bytes);
}

TEST(WalReplay, ForeignFileNamedLikeAWalFileIsNeverCut) {
  TempDir tmp;
  const std::string path = tmp.Join("00000001.wal");
  WriteBytes(path, "{\"not\": \"a wal file\"}\n");
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ExpectCorruptionAt(replayed.status, path, 0);
  EXPECT_EQ(ReadBytes(path), "{\"not\": \"a wal file\"}\n");
}

TEST(WalReplay, TornHeaderOfTheLastFileIsCutAndTheWriterRewritesIt) {
  TempDir tmp;
  WriteRecords(tmp.path(), 2);
  const std::string second = tmp.Join("00000002.wal");
  WriteBytes(second, EncodeFileHeader(2).substr(0, 13));
  auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  ASSERT_TRUE(replayed.report.truncation.has_value());
  EXPECT_EQ(replayed.report.truncation->offset, 0u);
  EXPECT_EQ(replayed.report.truncation->bytes_dropped, 13u);
  auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
  EXPECT_EQ(writer->current_sequence(), 2u);
  ASSERT_TRUE(writer->Append("x", kSampleBatch).ok());
  replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.records.size(), 3u);
  EXPECT_EQ(replayed.records.back().file, 2u);
}

TEST(WalReplay, MissingFileInTheSequenceIsCorruption) {
  TempDir tmp;
  {
    auto writer = OpenWriter(FileSystem::Posix(), tmp.path());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(writer->Append(TestPayload(i), kSampleBatch).ok());
      ASSERT_TRUE(writer->Roll().has_value());
    }
  }
  ASSERT_TRUE(FileSystem::Posix().Remove(tmp.Join("00000002.wal")).ok());
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ExpectCorruptionAt(replayed.status, tmp.Join("00000002.wal"), 0);
  EXPECT_TRUE(replayed.records.empty());
}

TEST(WalReplay, StrayFilesAreIgnoredWithANote) {
  TempDir tmp;
  WriteRecords(tmp.path(), 1);
  WriteBytes(tmp.Join("00000002.wal.tmp"), "junk");
  WriteBytes(tmp.Join("notes.txt"), "junk");
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_EQ(replayed.records.size(), 1u);
  ASSERT_EQ(replayed.report.notes.size(), 2u);
  EXPECT_NE(replayed.report.notes[0].find("00000002.wal.tmp"), std::string::npos);
}

TEST(WalReplay, CallbackErrorStopsReplayAndNamesTheRecord) {
  TempDir tmp;
  const std::vector<uint64_t> offsets = WriteRecords(tmp.path(), 3);
  int calls = 0;
  ReplayReport report;
  const Status status = ReplayWal(
      FileSystem::Posix(), tmp.path(),
      [&](uint64_t, uint64_t, uint8_t, std::string_view) {
        return ++calls == 2 ? Status::Corruption("bad batch") : Status::Ok();
      },
      &report);
  ExpectCorruptionAt(status, tmp.Join("00000001.wal"), offsets[1]);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace metrify::engine::wal
