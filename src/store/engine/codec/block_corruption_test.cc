// Damaged blocks: every byte flipped, every truncation, unknown codecs and
// flags. Each must come back as Corruption (never a crash, never wrong data
// reported as OK), naming the block's offset when the caller gives one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/crc32c.h"
#include "store/engine/codec/block.h"
#include "store/engine/codec/codec_test_support.h"
#include "store/engine/codec/fixed_width.h"

namespace metrify::engine::codec {
namespace {

// One block of each codec and of each compression state.
std::vector<std::string> SampleBlocks() {
  std::mt19937_64 rng(5);
  std::vector<std::vector<double>> columns = {{},
                                              std::vector<double>(20, std::nan("")),
                                              test_support::RandomDecimals(rng, 96, 3, 600),
                                              test_support::SpecialDoubles(),
                                              test_support::RandomBitDoubles(rng, 12)};
  std::vector<double> repetitive;
  for (int i = 0; i < 400; ++i) repetitive.push_back(columns[4][i % 12]);
  columns.push_back(repetitive);
  std::vector<std::string> blocks;
  for (const auto& values : columns) {
    blocks.emplace_back();
    EXPECT_TRUE(AppendValueBlock(values, {}, &blocks.back()).ok());
  }
  std::vector<int64_t> ts;
  for (int i = 0; i < 96; ++i) ts.push_back(1735689600000 + i * 900000 + (i == 50 ? 7 : 0));
  blocks.emplace_back();
  EXPECT_TRUE(AppendTimestampBlock(ts, {}, &blocks.back()).ok());
  return blocks;
}

Status Decode(std::string_view bytes, std::optional<uint64_t> offset = std::nullopt) {
  auto header = ReadBlockHeader(bytes, offset);
  if (!header) return header.error();
  if (IsTimestampCodec(header->codec)) {
    std::vector<int64_t> ts;
    return DecodeTimestampBlock(bytes, &ts, offset);
  }
  std::vector<double> values;
  return DecodeValueBlock(bytes, &values, offset);
}

// Rewrites the checksum so that damage inside the block reaches the decoder.
void Reseal(std::string* block) {
  const size_t body = block->size() - 4;
  const uint32_t crc = crc32c::Value(block->data(), body);
  block->resize(body);
  PutFixed32(block, crc);
}

TEST(ColumnBlockCorruption, EveryFlippedByteIsCorruption) {
  for (const std::string& block : SampleBlocks()) {
    ASSERT_TRUE(Decode(block).ok());
    for (size_t i = 0; i < block.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string damaged = block;
        damaged[i] = static_cast<char>(damaged[i] ^ mask);
        EXPECT_EQ(Decode(damaged).code(), StatusCode::kCorruption) << "byte " << i;
      }
    }
  }
}

TEST(ColumnBlockCorruption, EveryTruncationIsCorruption) {
  for (const std::string& block : SampleBlocks()) {
    for (size_t len = 0; len < block.size(); ++len) {
      EXPECT_EQ(Decode(std::string_view(block.data(), len)).code(), StatusCode::kCorruption)
          << "length " << len << " of " << block.size();
    }
  }
}

TEST(ColumnBlockCorruption, DamageBehindAValidChecksumNeverCrashes) {
  // With the checksum recomputed, damaged bytes reach the codecs themselves;
  // they may decode to other values but must not crash or over-read.
  std::mt19937_64 rng(13);
  for (const std::string& block : SampleBlocks()) {
    for (int trial = 0; trial < 3000; ++trial) {
      std::string damaged = block;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        damaged[rng() % (damaged.size() - 4)] ^= static_cast<char>(1 + rng() % 255);
      }
      Reseal(&damaged);
      const Status s = Decode(damaged);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
      }
    }
  }
}

TEST(ColumnBlockCorruption, ChecksumMismatchNamesTheOffset) {
  std::string block = SampleBlocks()[2];
  block[block.size() / 2] ^= 0x10;
  const Status s = Decode(block, 4096);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("column block at offset 4096"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("checksum mismatch"), std::string::npos) << s.message();
}

TEST(ColumnBlockCorruption, UnknownCodecIsReportedAfterTheChecksumPasses) {
  for (uint8_t codec : {0, 6, 200, 255}) {
    std::string block = SampleBlocks()[2];
    block[0] = static_cast<char>(codec);
    Reseal(&block);
    const Status s = Decode(block, 7);
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("unknown codec " + std::to_string(codec)), std::string::npos)
        << s.message();
  }
}

TEST(ColumnBlockCorruption, UnknownFlagsAreCorruption) {
  std::string block = SampleBlocks()[2];
  block[1] = static_cast<char>(block[1] | 0x02);
  Reseal(&block);
  const Status s = Decode(block);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("unknown flags"), std::string::npos) << s.message();
}

TEST(ColumnBlockCorruption, HugeCountsAreRejectedBeforeAllocating) {
  // codec kPlain, no flags, count 2^32, body size 0, then a valid checksum.
  std::string block("\x05\x00\x80\x80\x80\x80\x10\x00", 8);
  PutFixed32(&block, crc32c::Value(block));
  EXPECT_EQ(Decode(block).code(), StatusCode::kCorruption);
}

TEST(ColumnBlockCorruption, RandomBytesNeverCrash) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 50000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (bytes.size() > 4 && rng() % 2) Reseal(&bytes);
    const Status s = Decode(bytes);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace metrify::engine::codec
