#include "cache/latest_sample_codec.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace metrify::cache {
namespace {

engine::HeadSample Sample() {
  engine::HeadSample sample;
  sample.timestamp_ms = 1'736'726'400'000;
  sample.interval_s = 900;
  sample.revision = 3;
  sample.present = 0b1000'0000'0101;  // fields 0, 2 and 11
  sample.values[0] = 0.1 + 0.2;
  sample.values[2] = -0.0;
  sample.values[11] = std::numeric_limits<double>::quiet_NaN();
  return sample;
}

TEST(LatestSampleCodecTest, RoundTripsBitForBit) {
  const engine::HeadSample sample = Sample();
  std::string bytes = EncodeLatestSample(sample);
  EXPECT_EQ(bytes.size(), kLatestSampleHeaderBytes + 3 * sizeof(double));
  Result<engine::HeadSample> decoded = DecodeLatestSample(bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(decoded->timestamp_ms, sample.timestamp_ms);
  EXPECT_EQ(decoded->interval_s, sample.interval_s);
  EXPECT_EQ(decoded->revision, sample.revision);
  EXPECT_EQ(decoded->present, sample.present);
  EXPECT_TRUE(decoded->SameData(sample));  // bitwise: -0.0 and NaN included
  EXPECT_TRUE(std::signbit(decoded->values[2]));
  EXPECT_EQ(std::bit_cast<uint64_t>(decoded->values[11]),
            std::bit_cast<uint64_t>(sample.values[11]));
  EXPECT_EQ(decoded->values[1], 0.0);  // absent
}

TEST(LatestSampleCodecTest, HeaderIsBigEndianAtFixedOffsets) {
  engine::HeadSample sample;
  sample.timestamp_ms = 0x0102030405060708;
  sample.revision = 0x090a;
  sample.interval_s = -1;
  sample.present = 0;
  const std::string bytes = EncodeLatestSample(sample);
  const std::string expected("\x01\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\xff\xff\xff\xff\x00\x00",
                             17);
  EXPECT_EQ(bytes, expected);
  Result<engine::HeadSample> decoded = DecodeLatestSample(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->interval_s, -1);
}

// The worked example of docs/cache.md, "Latest sample encoding".
TEST(LatestSampleCodecTest, MatchesTheDocumentedExample) {
  engine::HeadSample sample;
  sample.timestamp_ms = 1'736'727'300'000;  // 2025-01-13T00:15:00Z
  sample.interval_s = 900;
  sample.present = 0x0001;
  sample.values[0] = 0.25;
  std::string hex;
  for (char c : EncodeLatestSample(sample)) hex += fmt::format("{:02X}", static_cast<uint8_t>(c));
  EXPECT_EQ(hex,
            "01"
            "000001945D0387A0"
            "0000"
            "00000384"
            "0001"
            "3FD0000000000000");
}

TEST(LatestSampleCodecTest, NegativeTimestampsRoundTrip) {
  engine::HeadSample sample = Sample();
  sample.timestamp_ms = -86'400'000;
  EXPECT_EQ(DecodeLatestSample(EncodeLatestSample(sample))->timestamp_ms, -86'400'000);
}

TEST(LatestSampleCodecTest, MalformedValuesAreCorruptionAndOtherVersionsNotFound) {
  std::string bytes = EncodeLatestSample(Sample());
  EXPECT_EQ(DecodeLatestSample("").error().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeLatestSample(bytes.substr(0, 10)).error().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeLatestSample(bytes + "x").error().code(), StatusCode::kCorruption);
  std::string beyond = bytes;
  beyond[15] = '\x10';  // present bit 12
  EXPECT_EQ(DecodeLatestSample(beyond).error().code(), StatusCode::kCorruption);
  std::string future = bytes;
  future[0] = '\x02';
  EXPECT_EQ(DecodeLatestSample(future).error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace metrify::cache
