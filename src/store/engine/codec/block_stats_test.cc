#include "store/engine/codec/block_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "store/engine/codec/codec_test_support.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;

std::vector<uint64_t> StatBits(const BlockStats& s) {
  return Bits(
      std::vector<double>{static_cast<double>(s.count), s.min, s.max, s.sum, s.first, s.last});
}

BlockStats RoundTrip(const BlockStats& stats, size_t* size = nullptr) {
  std::string s;
  EncodeStats(stats, &s);
  if (size) *size = s.size();
  std::string_view in = s;
  BlockStats back;
  const Status st = DecodeStats(&in, stats.count, &back);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(in.empty());
  return back;
}

TEST(BlockStats, NaNIsSkipped) {
  const double nan = std::nan("");
  const std::vector<double> values = {nan, 2.5, nan, -1.0, 4.0, nan};
  const BlockStats s = ComputeStats(values);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.min, -1.0);
  EXPECT_EQ(s.max, 4.0);
  EXPECT_EQ(s.sum, 5.5);
  EXPECT_EQ(s.first, 2.5);
  EXPECT_EQ(s.last, 4.0);
}

TEST(BlockStats, AllNaNHasNoExtremesAndZeroSum) {
  const BlockStats s = ComputeStats(std::vector<double>(4, std::nan("")));
  EXPECT_EQ(s.count, 0u);
  EXPECT_TRUE(std::isnan(s.min) && std::isnan(s.max) && std::isnan(s.first) && std::isnan(s.last));
  EXPECT_EQ(Bits(std::vector<double>{s.sum}), Bits(std::vector<double>{0.0}));
  EXPECT_EQ(StatBits(RoundTrip(s)), StatBits(s));
}

TEST(BlockStats, SumIsTheLeftToRightDoubleSum) {
  const std::vector<double> values = {0.1, 0.2, 0.3, 1e16, -1e16};
  double expected = 0.0;
  for (double v : values) expected += v;
  EXPECT_EQ(Bits(std::vector<double>{ComputeStats(values).sum}),
            Bits(std::vector<double>{expected}));
}

TEST(BlockStats, InfinitiesCountAsValues) {
  using L = std::numeric_limits<double>;
  const BlockStats s = ComputeStats(std::vector<double>{1, L::infinity(), -L::infinity()});
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.min, -L::infinity());
  EXPECT_EQ(s.max, L::infinity());
  EXPECT_TRUE(std::isnan(s.sum));
  EXPECT_EQ(StatBits(RoundTrip(s)), StatBits(s));
}

TEST(BlockStats, SignedZerosKeepTheEarlierOne) {
  const BlockStats s = ComputeStats(std::vector<double>{-0.0, 0.0});
  EXPECT_TRUE(std::signbit(s.min));
  EXPECT_TRUE(std::signbit(s.max));
  EXPECT_EQ(StatBits(RoundTrip(s)), StatBits(s));
}

TEST(BlockStats, DecimalExtremesAreStoredCompactly) {
  const BlockStats s = ComputeStats(std::vector<double>{230.1, 229.5, 231.2, 230.4});
  size_t size = 0;
  EXPECT_EQ(StatBits(RoundTrip(s, &size)), StatBits(s));
  EXPECT_EQ(size, 1u + 1 + 4 * 2 + 8);
}

TEST(BlockStats, RandomStatsRoundTrip) {
  std::mt19937_64 rng(31);
  for (int i = 0; i < 2000; ++i) {
    std::vector<double> values =
        (i % 2)
            ? test_support::RandomBitDoubles(rng, 1 + rng() % 50)
            : test_support::RandomDecimals(rng, 1 + rng() % 50, static_cast<int>(rng() % 10), 1e6);
    const BlockStats s = ComputeStats(values);
    ASSERT_EQ(StatBits(RoundTrip(s)), StatBits(s)) << i;
  }
}

TEST(BlockStats, CountAboveTheBlockIsCorruption) {
  std::string s;
  EncodeStats(ComputeStats(std::vector<double>{1, 2, 3}), &s);
  std::string_view in = s;
  BlockStats back;
  EXPECT_EQ(DecodeStats(&in, 2, &back).code(), StatusCode::kCorruption);
}

TEST(BlockStats, EveryTruncationAndBadScaleIsCorruption) {
  std::string s;
  EncodeStats(ComputeStats(std::vector<double>{0.5, 1e300}), &s);
  for (size_t len = 0; len < s.size(); ++len) {
    std::string_view in(s.data(), len);
    BlockStats back;
    EXPECT_EQ(DecodeStats(&in, 2, &back).code(), StatusCode::kCorruption) << len;
  }
  s[1] = 10;  // neither a scale 0..9 nor the raw marker
  std::string_view in = s;
  BlockStats back;
  EXPECT_EQ(DecodeStats(&in, 2, &back).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace metrify::engine::codec
