#include "store/engine/codec/scaled_int_codec.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

#include "store/engine/codec/codec_test_support.h"
#include "store/engine/codec/format.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;

std::optional<int> ScaleOf(std::vector<double> values) {
  int k = 0;
  std::vector<int64_t> ints;
  if (!ToScaledInts(values, &k, &ints)) return std::nullopt;
  return k;
}

std::vector<double> RoundTrip(const std::vector<double>& values, size_t* size = nullptr) {
  int k = 0;
  std::vector<int64_t> ints;
  EXPECT_TRUE(ToScaledInts(values, &k, &ints));
  std::string s;
  EncodeScaledInts(ints, k, &s);
  if (size) *size = s.size();
  std::vector<double> out;
  const Status st = DecodeScaledInts(s, values.size(), &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(ScaledIntCodec, FindsTheSmallestScale) {
  EXPECT_EQ(ScaleOf({1, 2, 3}), 0);
  EXPECT_EQ(ScaleOf({230.1, 229.9}), 1);
  EXPECT_EQ(ScaleOf({0.5, 0.123}), 3);
  EXPECT_EQ(ScaleOf({0.123, 0.5}), 3);
  EXPECT_EQ(ScaleOf({49.99, 50.0, 50.01}), 2);
  EXPECT_EQ(ScaleOf({0.000000001}), 9);
  EXPECT_EQ(ScaleOf({-4.25}), 2);
}

TEST(ScaledIntCodec, NonDecimalsAndSpecialsDisqualifyTheBlock) {
  using L = std::numeric_limits<double>;
  EXPECT_EQ(ScaleOf({1.0, -0.0}), std::nullopt);
  EXPECT_EQ(ScaleOf({L::quiet_NaN()}), std::nullopt);
  EXPECT_EQ(ScaleOf({L::infinity()}), std::nullopt);
  EXPECT_EQ(ScaleOf({-L::infinity()}), std::nullopt);
  EXPECT_EQ(ScaleOf({0.1 + 0.2}), std::nullopt);
  EXPECT_EQ(ScaleOf({0.0000000001}), std::nullopt);  // needs scale 10
  EXPECT_EQ(ScaleOf({DBL_MAX}), std::nullopt);
  EXPECT_EQ(ScaleOf({L::denorm_min()}), std::nullopt);
  EXPECT_EQ(ScaleOf({1.0 / 3}), std::nullopt);
}

TEST(ScaledIntCodec, MagnitudeLimitIs2To53AtTheChosenScale) {
  const double limit = static_cast<double>(kMaxScaledMagnitude);
  EXPECT_EQ(ScaleOf({limit, -limit}), 0);
  EXPECT_EQ(ScaleOf({limit * 2}), std::nullopt);
  // 2^53 fits at scale 0, but 0.5 forces scale 1 where 2^53 * 10 does not fit.
  EXPECT_EQ(ScaleOf({limit, 0.5}), std::nullopt);
  EXPECT_EQ(ScaleOf({0.5, limit}), std::nullopt);
  std::vector<double> extremes = {limit, -limit, 0, limit - 1};
  EXPECT_EQ(Bits(RoundTrip(extremes)), Bits(extremes));
}

TEST(ScaledIntCodec, RandomIntegersRoundTripAtEveryScale) {
  std::mt19937_64 rng(21);
  for (int k = 0; k <= kMaxScale; ++k) {
    for (int block = 0; block < 300; ++block) {
      const int bits = static_cast<int>(rng() % 53);
      const int64_t range = bits == 0 ? 0 : (int64_t{1} << bits) - 1;
      const auto values = test_support::RandomDecimals(rng, 1 + rng() % 200, k, range);
      ASSERT_EQ(Bits(RoundTrip(values)), Bits(values)) << "scale " << k << " bits " << bits;
    }
  }
}

TEST(ScaledIntCodec, PicksDifferencesForRandomWalksAndValuesForNoise) {
  std::mt19937_64 rng(4);
  std::vector<double> walk, noise;
  int64_t v = 2300;
  for (int i = 0; i < 96; ++i) {
    v += static_cast<int64_t>(rng() % 3) - 1;
    walk.push_back(static_cast<double>(v) / 10);
    noise.push_back(static_cast<double>(4997 + rng() % 7) / 100);
  }
  size_t walk_size = 0, noise_size = 0;
  RoundTrip(walk, &walk_size);
  RoundTrip(noise, &noise_size);
  EXPECT_LE(walk_size, 1 + 2 + 3 * 2 + 96 * 2 / 8 + 1);  // 2 bits a delta
  EXPECT_LE(noise_size, 1 + 3 * 3 + 96 * 3 / 8 + 1);     // 3 bits a value
}

TEST(ScaledIntCodec, LinearSeriesPackToZeroBits) {
  std::vector<double> ramp;
  for (int i = 0; i < 1000; ++i) ramp.push_back(i * 0.25);
  size_t size = 0;
  EXPECT_EQ(Bits(RoundTrip(ramp, &size)), Bits(ramp));
  EXPECT_LE(size, 1 + 2 + 32 * 2);  // header, seeds, width-0 mini-blocks
}

TEST(ScaledIntCodec, BadHeaderByteIsCorruption) {
  std::vector<double> out;
  EXPECT_EQ(DecodeScaledInts(std::string("\x0a\x00\x00", 3), 1, &out).code(),
            StatusCode::kCorruption);  // scale 10
  EXPECT_EQ(DecodeScaledInts(std::string("\x30\x00\x00", 3), 1, &out).code(),
            StatusCode::kCorruption);  // order 3
  EXPECT_EQ(DecodeScaledInts(std::string("\x10\x00\x00", 3), 1, &out).code(),
            StatusCode::kCorruption);  // order 1 needs two values
  EXPECT_EQ(DecodeScaledInts(std::string("\x00\x00\x41", 3), 1, &out).code(),
            StatusCode::kCorruption);  // width 65
}

TEST(ScaledIntCodec, IntegersBeyond2To53AreCorruption) {
  // Order 0, one mini-block: min = 2^53 + 1 (zigzag 2^54 + 2), width 0.
  std::string s("\x00", 1);
  uint64_t zz = (uint64_t{1} << 54) + 2;
  while (zz >= 0x80) {
    s.push_back(static_cast<char>(zz | 0x80));
    zz >>= 7;
  }
  s.push_back(static_cast<char>(zz));
  s.push_back('\0');
  std::vector<double> out;
  EXPECT_EQ(DecodeScaledInts(s, 1, &out).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace metrify::engine::codec
