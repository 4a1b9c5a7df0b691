#include "store/engine/codec/gorilla_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "store/engine/codec/codec_test_support.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;

TEST(GorillaCodec, RepeatsCostOneBitEach) {
  std::string s;
  EncodeGorilla(std::vector<double>(801, 0.1), &s);
  EXPECT_EQ(s.size(), 8u + 100);
}

TEST(GorillaCodec, SpecialValuesRoundTripBitExactly) {
  const auto specials = test_support::SpecialDoubles();
  std::string s;
  EncodeGorilla(specials, &s);
  std::vector<double> out;
  ASSERT_TRUE(DecodeGorilla(s, specials.size(), &out).ok());
  EXPECT_EQ(Bits(out), Bits(specials));
}

TEST(GorillaCodec, LowerBoundNeverExceedsTheEncoding) {
  std::mt19937_64 rng(6);
  for (int block = 0; block < 2000; ++block) {
    std::vector<double> values =
        block % 2
            ? test_support::RandomBitDoubles(rng, 1 + rng() % 100)
            : test_support::RandomDecimals(rng, 1 + rng() % 100, static_cast<int>(rng() % 4), 50);
    std::string s;
    EncodeGorilla(values, &s);
    ASSERT_LE(GorillaSizeLowerBound(values), s.size()) << block;
  }
}

TEST(GorillaCodec, WindowReuseBeforeAnyWindowIsCorruption) {
  // First value 0.0, then control '10' (reuse) with no window yet.
  const std::string s("\x00\x00\x00\x00\x00\x00\x00\x00\x80", 9);
  std::vector<double> out;
  EXPECT_EQ(DecodeGorilla(s, 2, &out).code(), StatusCode::kCorruption);
}

TEST(GorillaCodec, WindowWiderThan64BitsIsCorruption) {
  // Control '11', leading 31, length 40: 31 + 40 > 64.
  std::string s(8, '\0');
  s += std::string("\xff\x40\x00\x00\x00\x00\x00\x00", 8);
  std::vector<double> out;
  EXPECT_EQ(DecodeGorilla(s, 2, &out).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace metrify::engine::codec
