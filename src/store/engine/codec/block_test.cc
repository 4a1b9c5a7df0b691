#include "store/engine/codec/block.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "store/engine/codec/codec_test_support.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;

constexpr int64_t kQuarterHour = 15 * 60 * 1000;
constexpr int64_t kJan2025 = 1735689600000;

std::vector<double> ValuesRoundTrip(const std::vector<double>& values, BlockOptions options = {},
                                    BlockHeader* header = nullptr) {
  std::string bytes;
  EXPECT_TRUE(AppendValueBlock(values, options, &bytes).ok());
  auto h = ReadBlockHeader(bytes);
  EXPECT_TRUE(h.has_value());
  if (h && header) *header = *h;
  if (h) {
    EXPECT_EQ(h->size, bytes.size());
  }
  std::vector<double> out;
  const Status st = DecodeValueBlock(bytes, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

// A noisy series with a long repeating pattern, which zstd compresses.
std::vector<double> Repetitive(size_t n) {
  std::mt19937_64 rng(17);
  std::vector<double> pattern(64);
  for (double& v : pattern) v = std::bit_cast<double>(rng());
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(pattern[i % pattern.size()]);
  return values;
}

TEST(ColumnBlock, TimestampsRoundTrip) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 96; ++i) ts.push_back(kJan2025 + i * kQuarterHour);
  std::string bytes;
  ASSERT_TRUE(AppendTimestampBlock(ts, {}, &bytes).ok());
  EXPECT_LE(bytes.size(), 20u);
  std::vector<int64_t> out;
  ASSERT_TRUE(DecodeTimestampBlock(bytes, &out).ok());
  EXPECT_EQ(out, ts);
  auto header = ReadBlockHeader(bytes);
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->codec, Codec::kTimestampDeltaOfDelta);
  EXPECT_EQ(header->count, 96u);
}

TEST(ColumnBlock, EmptyBlocksRoundTrip) {
  EXPECT_TRUE(ValuesRoundTrip({}).empty());
  std::string bytes;
  ASSERT_TRUE(AppendTimestampBlock({}, {}, &bytes).ok());
  std::vector<int64_t> out = {1};
  ASSERT_TRUE(DecodeTimestampBlock(bytes, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(ColumnBlock, ValueRoundTripsCarryTheirStats) {
  const std::vector<double> values = {0.125, std::nan(""), 0.25, 0.5};
  BlockHeader header;
  EXPECT_EQ(Bits(ValuesRoundTrip(values, {}, &header)), Bits(values));
  EXPECT_EQ(header.codec, Codec::kGorilla);  // the NaN rules out kScaledInt
  EXPECT_EQ(header.count, 4u);
  EXPECT_EQ(header.stats.count, 3u);
  EXPECT_EQ(header.stats.sum, 0.875);
  EXPECT_EQ(header.stats.min, 0.125);
  EXPECT_EQ(header.stats.max, 0.5);
}

TEST(ColumnBlock, AppendReportsTheStoredStats) {
  std::string bytes;
  BlockStats stats;
  ASSERT_TRUE(AppendValueBlock(std::vector<double>{3, 1, 2}, {}, &bytes, &stats).ok());
  EXPECT_EQ(stats.count, 3u);
  EXPECT_EQ(stats.first, 3);
  EXPECT_EQ(stats.last, 2);
  EXPECT_EQ(ReadBlockHeader(bytes)->stats.min, 1);
}

TEST(ColumnBlock, ZstdIsUsedOnlyWhenItShrinksTheBlock) {
  BlockHeader header;
  const auto repetitive = Repetitive(1024);
  EXPECT_EQ(Bits(ValuesRoundTrip(repetitive, {}, &header)), Bits(repetitive));
  EXPECT_TRUE(header.zstd);
  EXPECT_LT(header.size, 1024u);

  std::mt19937_64 rng(3);
  const auto random = test_support::RandomBitDoubles(rng, 1024);
  EXPECT_EQ(Bits(ValuesRoundTrip(random, {}, &header)), Bits(random));
  EXPECT_FALSE(header.zstd);

  EXPECT_EQ(Bits(ValuesRoundTrip(repetitive, {.zstd_level = 0}, &header)), Bits(repetitive));
  EXPECT_FALSE(header.zstd);
}

TEST(ColumnBlock, ZstdLevelsRoundTrip) {
  const auto values = Repetitive(500);
  for (int level : {-5, 1, 3, 9, 19}) {
    EXPECT_EQ(Bits(ValuesRoundTrip(values, {.zstd_level = level})), Bits(values)) << level;
  }
}

TEST(ColumnBlock, TooManyValuesIsInvalidArgument) {
  std::string bytes;
  const std::vector<double> values(kMaxBlockValues + 1, 1.0);
  EXPECT_EQ(AppendValueBlock(values, {}, &bytes).code(), StatusCode::kInvalidArgument);
  const std::vector<int64_t> ts(kMaxBlockValues + 1, 1);
  EXPECT_EQ(AppendTimestampBlock(ts, {}, &bytes).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bytes.empty());
  std::vector<double> max_block(kMaxBlockValues, 2.5);
  EXPECT_EQ(Bits(ValuesRoundTrip(max_block)), Bits(max_block));
}

TEST(ColumnBlock, BlocksAreSelfDelimiting) {
  std::string bytes;
  ASSERT_TRUE(AppendValueBlock(std::vector<double>{1.5, 2.5}, {}, &bytes).ok());
  const size_t second = bytes.size();
  ASSERT_TRUE(AppendTimestampBlock(std::vector<int64_t>{7, 8, 9}, {}, &bytes).ok());
  auto first = ReadBlockHeader(bytes);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->size, second);
  std::vector<double> values;
  ASSERT_TRUE(DecodeValueBlock(bytes, &values).ok());
  EXPECT_EQ(values, (std::vector<double>{1.5, 2.5}));
  std::vector<int64_t> ts;
  ASSERT_TRUE(DecodeTimestampBlock(std::string_view(bytes).substr(second), &ts).ok());
  EXPECT_EQ(ts, (std::vector<int64_t>{7, 8, 9}));
}

TEST(ColumnBlock, ColumnKindMismatchIsCorruption) {
  std::string values_block, ts_block;
  ASSERT_TRUE(AppendValueBlock(std::vector<double>{1}, {}, &values_block).ok());
  ASSERT_TRUE(AppendTimestampBlock(std::vector<int64_t>{1}, {}, &ts_block).ok());
  std::vector<double> values;
  std::vector<int64_t> ts;
  EXPECT_EQ(DecodeValueBlock(ts_block, &values).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeTimestampBlock(values_block, &ts).code(), StatusCode::kCorruption);
}

TEST(ColumnBlock, RandomBlocksRoundTripWithAndWithoutZstd) {
  std::mt19937_64 rng(2024);
  const auto specials = test_support::SpecialDoubles();
  for (int block = 0; block < 3000; ++block) {
    std::vector<double> values(rng() % 1100);
    const int k = static_cast<int>(rng() % 4);
    const bool noisy = rng() % 4 == 0;
    double level = 100;
    for (double& v : values) {
      level += static_cast<double>(static_cast<int>(rng() % 11) - 5);
      v = noisy && rng() % 50 == 0 ? specials[rng() % specials.size()] : level / std::pow(10, k);
    }
    const BlockOptions options{.zstd_level = block % 3 == 0 ? 0 : 3};
    BlockHeader header;
    ASSERT_EQ(Bits(ValuesRoundTrip(values, options, &header)), Bits(values)) << block;
    const BlockStats expected = ComputeStats(values);
    ASSERT_EQ(header.stats.count, expected.count);
    ASSERT_EQ(Bits(std::vector<double>{header.stats.sum, header.stats.min, header.stats.max}),
              Bits(std::vector<double>{expected.sum, expected.min, expected.max}));
  }
}

}  // namespace
}  // namespace metrify::engine::codec
