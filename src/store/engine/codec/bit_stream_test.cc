#include "store/engine/codec/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

namespace metrify::engine::codec {
namespace {

TEST(BitStream, WritesMostSignificantBitFirstAndPadsWithZeros) {
  std::string s;
  BitWriter w(&s);
  w.Write(0b101, 3);
  w.Write(0b1, 1);
  w.Write(0xABC, 12);
  w.Write(0b11, 2);
  w.Finish();
  // 101 1 1010 1011 1100 11 -> 1011 1010 | 1011 1100 | 11(000000)
  EXPECT_EQ(s, std::string("\xba\xbc\xc0", 3));
}

TEST(BitStream, RoundTripsRandomWidthsUpTo64) {
  std::mt19937_64 rng(1);
  std::vector<std::pair<uint64_t, int>> items;
  std::string s;
  BitWriter w(&s);
  for (int i = 0; i < 20000; ++i) {
    const int width = static_cast<int>(rng() % 65);
    const uint64_t v = width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
    items.emplace_back(v, width);
    w.Write(v, width);
  }
  w.Finish();
  BitReader r(s);
  for (const auto& [v, width] : items) {
    uint64_t got = 0;
    ASSERT_TRUE(r.Read(width, &got));
    ASSERT_EQ(got, v) << width;
  }
  EXPECT_TRUE(r.AtPaddedEnd());
}

TEST(BitStream, ReadingPastTheEndFailsWithoutConsuming) {
  const std::string s("\xff\x00", 2);
  BitReader r(s);
  uint64_t v = 0;
  ASSERT_TRUE(r.Read(12, &v));
  EXPECT_EQ(v, 0xFF0u);
  EXPECT_FALSE(r.Read(5, &v));
  EXPECT_FALSE(r.Read(64, &v));
  EXPECT_EQ(r.RemainingBits(), 4u);
  EXPECT_TRUE(r.Read(4, &v));
  EXPECT_FALSE(r.Read(1, &v));
}

TEST(BitStream, TrailingBytesAreNotAPaddedEnd) {
  const std::string s("\x80\x00", 2);
  BitReader r(s);
  bool bit = false;
  ASSERT_TRUE(r.ReadBit(&bit));
  EXPECT_TRUE(bit);
  EXPECT_FALSE(r.AtPaddedEnd());  // a whole zero byte remains
}

}  // namespace
}  // namespace metrify::engine::codec
