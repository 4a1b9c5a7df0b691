#include "common/varint.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace metrify {
namespace {

TEST(Varint, KnownEncodings) {
  std::string s;
  PutVarint64(&s, 0);
  PutVarint64(&s, 127);
  PutVarint64(&s, 128);
  PutVarint64(&s, 300);
  EXPECT_EQ(s, std::string("\x00\x7f\x80\x01\xac\x02", 6));
}

TEST(Varint, ZigZagMapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  EXPECT_EQ(ZigZagEncode(std::numeric_limits<int64_t>::max()), UINT64_MAX - 1);
  EXPECT_EQ(ZigZagEncode(std::numeric_limits<int64_t>::min()), UINT64_MAX);
}

TEST(Varint, RoundTripsEdgesAndRandomValues) {
  std::vector<uint64_t> values = {0,         1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX - 1,
                                  UINT64_MAX};
  for (int shift = 0; shift < 64; ++shift) values.push_back(uint64_t{1} << shift);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 10000; ++i) values.push_back(rng() >> (rng() % 64));
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&in, &got).ok());
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Varint, LengthMatchesEncoding) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, UINT64_MAX}) {
    std::string s;
    PutVarint64(&s, v);
    EXPECT_EQ(VarintLength(v), static_cast<int>(s.size()));
  }
  EXPECT_EQ(VarintLength(UINT64_MAX), kMaxVarint64Bytes);
}

TEST(Varint, SignedRoundTripsInt64Extremes) {
  const int64_t values[] = {
      0,    -1, 1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
      -300, 300};
  std::string s;
  for (int64_t v : values) PutVarsint64(&s, v);
  std::string_view in = s;
  for (int64_t v : values) {
    int64_t got = 0;
    ASSERT_TRUE(GetVarsint64(&in, &got).ok());
    EXPECT_EQ(got, v);
  }
}

TEST(Varint, EveryTruncationIsCorruption) {
  std::string s;
  PutVarint64(&s, UINT64_MAX);
  for (size_t len = 0; len < s.size(); ++len) {
    std::string_view in(s.data(), len);
    uint64_t v = 0;
    EXPECT_EQ(GetVarint64(&in, &v).code(), StatusCode::kCorruption) << len;
  }
}

TEST(Varint, OverlongAndOverflowingEncodingsAreCorruption) {
  uint64_t v = 0;
  std::string_view eleven("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  EXPECT_EQ(GetVarint64(&eleven, &v).code(), StatusCode::kCorruption);
  std::string_view bit64("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
  EXPECT_EQ(GetVarint64(&bit64, &v).code(), StatusCode::kCorruption);
}

TEST(Varint, LimitIsEnforced) {
  std::string s;
  PutVarint64(&s, 1000);
  std::string_view in = s;
  uint64_t v = 0;
  EXPECT_EQ(GetVarint64AtMost(&in, 999, &v).code(), StatusCode::kCorruption);
  in = s;
  EXPECT_TRUE(GetVarint64AtMost(&in, 1000, &v).ok());
}

}  // namespace
}  // namespace metrify
