#include "store/engine/codec/timestamp_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace metrify::engine::codec {
namespace {

constexpr int64_t kQuarterHour = 15 * 60 * 1000;
constexpr int64_t kJan2025 = 1735689600000;  // 2025-01-01T00:00:00Z

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& ts, size_t* encoded_size = nullptr) {
  std::string s;
  EncodeTimestamps(ts, &s);
  if (encoded_size) *encoded_size = s.size();
  std::vector<int64_t> out;
  const Status st = DecodeTimestamps(s, ts.size(), &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::vector<int64_t> Regular(int64_t start, int64_t step, size_t n) {
  std::vector<int64_t> ts(n);
  for (size_t i = 0; i < n; ++i) ts[i] = start + static_cast<int64_t>(i) * step;
  return ts;
}

TEST(TimestampCodec, EmptyAndSingleRoundTrip) {
  EXPECT_EQ(RoundTrip({}), std::vector<int64_t>{});
  EXPECT_EQ(RoundTrip({kJan2025}), std::vector<int64_t>{kJan2025});
  EXPECT_EQ(RoundTrip({-5}), std::vector<int64_t>{-5});
}

TEST(TimestampCodec, RegularQuarterHoursCostAFewBytes) {
  const auto day = Regular(kJan2025, kQuarterHour, 96);
  size_t size = 0;
  EXPECT_EQ(RoundTrip(day, &size), day);
  EXPECT_LE(size, 12u);  // first value 6, delta 3, one zero run 2
  const auto year = Regular(kJan2025, kQuarterHour, 35040);
  EXPECT_EQ(RoundTrip(year, &size), year);
  EXPECT_LE(size, 14u);
}

TEST(TimestampCodec, GapsAndHugeJumpsRoundTrip) {
  auto ts = Regular(kJan2025, kQuarterHour, 96);
  ts.erase(ts.begin() + 40, ts.begin() + 44);  // an hour missing
  ts.erase(ts.begin() + 10);                   // one reading missing
  ts.push_back(ts.back() + 365LL * 24 * 3600 * 1000);
  ts.push_back(ts.back() + 1);
  EXPECT_EQ(RoundTrip(ts), ts);
}

TEST(TimestampCodec, Int64ExtremesRoundTrip) {
  using L = std::numeric_limits<int64_t>;
  const std::vector<int64_t> ts = {L::min(), L::min() + 1, -1, 0, 1, L::max() - 1, L::max()};
  EXPECT_EQ(RoundTrip(ts), ts);
  EXPECT_EQ(RoundTrip({L::min(), L::max()}), (std::vector<int64_t>{L::min(), L::max()}));
  EXPECT_EQ(RoundTrip({L::max(), L::min(), L::max()}),
            (std::vector<int64_t>{L::max(), L::min(), L::max()}));
}

TEST(TimestampCodec, UnorderedInputStillRoundTrips) {
  const std::vector<int64_t> ts = {5, 5, 3, 9, 9, 9, -7, 100};
  EXPECT_EQ(RoundTrip(ts), ts);
}

TEST(TimestampCodec, RandomIrregularSeriesRoundTrip) {
  std::mt19937_64 rng(2025);
  for (int block = 0; block < 3000; ++block) {
    const size_t n = rng() % 300;
    std::vector<int64_t> ts;
    int64_t t = static_cast<int64_t>(rng() % (1ULL << 45));
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 8) {
        case 0:
          t += 1 + static_cast<int64_t>(rng() % (1ULL << 40));
          break;  // jump
        case 1:
          t += 1 + static_cast<int64_t>(rng() % 1000);
          break;  // jitter
        default:
          t += kQuarterHour;
      }
      ts.push_back(t);
    }
    ASSERT_EQ(RoundTrip(ts), ts) << "block " << block;
  }
}

TEST(TimestampCodec, RandomInt64SequencesRoundTrip) {
  std::mt19937_64 rng(99);
  for (int block = 0; block < 1000; ++block) {
    std::vector<int64_t> ts(rng() % 64);
    for (int64_t& t : ts) t = static_cast<int64_t>(rng());
    ASSERT_EQ(RoundTrip(ts), ts);
  }
}

TEST(TimestampCodec, ZeroRunsCannotOverflowTheCount) {
  std::string s;
  EncodeTimestamps(Regular(0, 10, 96), &s);
  std::vector<int64_t> out;
  EXPECT_EQ(DecodeTimestamps(s, 50, &out).code(), StatusCode::kCorruption);
  out.clear();
  EXPECT_EQ(DecodeTimestamps(s, 97, &out).code(), StatusCode::kCorruption);
  // A zero run of 2^64 - 1 + 1 must not wrap around to a small count.
  const std::string huge("\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13);
  out.clear();
  EXPECT_EQ(DecodeTimestamps(huge, 5, &out).code(), StatusCode::kCorruption);
}

TEST(TimestampCodec, TrailingBytesAreCorruption) {
  std::string s;
  EncodeTimestamps(std::vector<int64_t>{1, 2, 3}, &s);
  s.push_back('\x02');
  std::vector<int64_t> out;
  EXPECT_EQ(DecodeTimestamps(s, 3, &out).code(), StatusCode::kCorruption);
  out.clear();
  EXPECT_EQ(DecodeTimestamps("\x02", 0, &out).code(), StatusCode::kCorruption);
}

TEST(TimestampCodec, EveryTruncationIsCorruption) {
  auto ts = Regular(kJan2025, kQuarterHour, 50);
  ts[20] += 1234;
  std::string s;
  EncodeTimestamps(ts, &s);
  for (size_t len = 0; len < s.size(); ++len) {
    std::vector<int64_t> out;
    EXPECT_EQ(DecodeTimestamps(std::string_view(s.data(), len), ts.size(), &out).code(),
              StatusCode::kCorruption)
        << len;
  }
}

}  // namespace
}  // namespace metrify::engine::codec
