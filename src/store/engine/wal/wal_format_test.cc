#include "store/engine/wal/wal_format.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"

namespace metrify::engine::wal {
namespace {

TEST(WalFormat, FileNamesAreEightDigitSequences) {
  EXPECT_EQ(WalFileName(1), "00000001.wal");
  EXPECT_EQ(WalFileName(123456789), "123456789.wal");
  EXPECT_EQ(ParseWalFileName("00000042.wal"), 42u);
  EXPECT_EQ(ParseWalFileName("123456789.wal"), 123456789u);
  for (const char* stray : {"42.wal", "000000042.wal", "00000042.wal.tmp", "0000004x.wal",
                            "00000042.WAL", "", ".wal", "checkpoint", "99999999999999999999.wal"}) {
    EXPECT_EQ(ParseWalFileName(stray), std::nullopt) << stray;
  }
}

TEST(WalFormat, HeaderHasMagicVersionSequenceAndChecksum) {
  const std::string header = EncodeFileHeader(3);
  ASSERT_EQ(header.size(), kFileHeaderSize);
  EXPECT_EQ(header.substr(0, 20),
            std::string("MTRWAL01\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00", 20));
  const uint32_t crc = crc32c::Value(header.data(), 20);
  EXPECT_EQ(header.substr(20),
            std::string({static_cast<char>(crc), static_cast<char>(crc >> 8),
                         static_cast<char>(crc >> 16), static_cast<char>(crc >> 24)}));
  std::string reason;
  EXPECT_EQ(CheckFileHeader(header, 3, &reason), HeaderCheck::kValid) << reason;
}

TEST(WalFormat, HeaderChecksClassifyDamage) {
  const std::string good = EncodeFileHeader(3);
  std::string reason;
  EXPECT_EQ(CheckFileHeader(good.substr(0, 11), 3, &reason), HeaderCheck::kDamaged);
  EXPECT_EQ(CheckFileHeader(std::string(24, '\0'), 3, &reason), HeaderCheck::kDamaged);
  std::string flipped = good;
  flipped[13] ^= 1;
  EXPECT_EQ(CheckFileHeader(flipped, 3, &reason), HeaderCheck::kDamaged);
  EXPECT_EQ(CheckFileHeader("PK\x03\x04 some zip file.......", 3, &reason), HeaderCheck::kNotWal);
  EXPECT_EQ(CheckFileHeader(good, 4, &reason), HeaderCheck::kWrongSequence);
  EXPECT_NE(reason.find("sequence 3"), std::string::npos) << reason;
}

TEST(WalFormat, NewerVersionIsRecognisedNotTreatedAsDamage) {
  std::string header = EncodeFileHeader(1);
  header[8] = 2;  // version 2, with a checksum that matches it
  const uint32_t crc = crc32c::Value(header.data(), 20);
  for (int i = 0; i < 4; ++i) header[20 + i] = static_cast<char>(crc >> (8 * i));
  std::string reason;
  EXPECT_EQ(CheckFileHeader(header, 1, &reason), HeaderCheck::kNewerVersion);
  EXPECT_NE(reason.find("version 2"), std::string::npos) << reason;
}

TEST(WalFormat, RecordHeaderFramesChecksumLengthAndType) {
  char header[kRecordHeaderSize];
  EncodeRecordHeader(kSampleBatch, "abc", header);
  const std::string covered = std::string("\x01", 1) + "abc";
  const uint32_t crc = crc32c::Value(covered);
  EXPECT_EQ(std::string(header, 4),
            std::string({static_cast<char>(crc), static_cast<char>(crc >> 8),
                         static_cast<char>(crc >> 16), static_cast<char>(crc >> 24)}));
  EXPECT_EQ(std::string(header + 4, 5), std::string("\x03\x00\x00\x00\x01", 5));
  EXPECT_EQ(RecordChecksum(kSampleBatch, "abc"), crc);
}

}  // namespace
}  // namespace metrify::engine::wal
