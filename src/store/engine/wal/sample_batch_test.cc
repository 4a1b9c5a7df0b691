#include "store/engine/wal/sample_batch.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace metrify::engine::wal {
namespace {

using model::SeriesKind;
using L = std::numeric_limits<double>;

// Every field of every sample, doubles as bit patterns, so NaN payloads and
// -0.0 compare exactly and a mismatch prints its sample and field.
void ExpectSameSamples(const std::vector<WalSample>& got, const std::vector<WalSample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].entity_key, want[i].entity_key) << i;
    EXPECT_EQ(got[i].timestamp_ms, want[i].timestamp_ms) << i;
    EXPECT_EQ(got[i].interval_s, want[i].interval_s) << i;
    EXPECT_EQ(got[i].present, want[i].present) << i;
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      if ((want[i].present >> f) & 1) {
        EXPECT_EQ(std::bit_cast<uint64_t>(got[i].values[f]),
                  std::bit_cast<uint64_t>(want[i].values[f]))
            << "sample " << i << " field " << f;
      } else {
        EXPECT_TRUE(std::isnan(got[i].values[f])) << "absent field " << f << " of sample " << i;
      }
    }
  }
}

std::vector<WalSample> RoundTrip(SeriesKind kind, const std::vector<WalSample>& samples) {
  std::string payload;
  EncodeSampleBatch(kind, samples, &payload);
  SeriesKind got_kind{};
  std::vector<WalSample> got;
  const Status status = DecodeSampleBatch(payload, &got_kind, &got);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(got_kind, kind);
  return got;
}

WalSample Reading(uint32_t key, int64_t ts, double energy, double voltage) {
  WalSample s{.entity_key = key, .timestamp_ms = ts, .interval_s = 900};
  s.values[0] = energy;
  s.values[3] = voltage;
  s.present = 0b1001;
  return s;
}

TEST(SampleBatch, KnownBytesOfASmallBatch) {
  const std::vector<WalSample> samples = {Reading(5, 1000, 0.25, 230.0), Reading(6, 900, 1.0, 0.0)};
  std::string payload;
  EncodeSampleBatch(SeriesKind::kReading, samples, &payload);
  const std::string expected(
      "\x01\x02"                           // kind reading, count 2
      "\x05\xd0\x0f\x84\x07\x09"           // key 5, ts +1000, 900 s, mask 0b1001
      "\x00\x00\x00\x00\x00\x00\xd0\x3f"   // 0.25
      "\x00\x00\x00\x00\x00\xc0\x6c\x40"   // 230.0
      "\x06\xc7\x01\x84\x07\x09"           // key 6, ts -100, 900 s, mask 0b1001
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"   // 1.0
      "\x00\x00\x00\x00\x00\x00\x00\x00",  // 0.0
      2 + 6 + 16 + 6 + 16);
  EXPECT_EQ(payload, expected);
}

TEST(SampleBatch, EmptyBatchRoundTrips) {
  EXPECT_TRUE(RoundTrip(SeriesKind::kObservation, {}).empty());
}

TEST(SampleBatch, SpecialDoublesRoundTripBitExactly) {
  const double specials[] = {L::quiet_NaN(),
                             -L::quiet_NaN(),
                             L::signaling_NaN(),
                             std::bit_cast<double>(uint64_t{0x7ff8dead0000beef}),
                             L::infinity(),
                             -L::infinity(),
                             0.0,
                             -0.0,
                             L::max(),
                             L::lowest(),
                             L::min(),
                             L::denorm_min(),
                             -L::denorm_min(),
                             L::epsilon()};
  std::vector<WalSample> samples;
  for (size_t i = 0; i < std::size(specials); ++i) {
    WalSample s{.entity_key = static_cast<uint32_t>(i), .timestamp_ms = int64_t(i) * 900000};
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      s.values[f] = specials[(i + f) % std::size(specials)];
    }
    s.present = (1u << model::kMaxSeriesFields) - 1;
    samples.push_back(s);
  }
  ExpectSameSamples(RoundTrip(SeriesKind::kReading, samples), samples);
}

TEST(SampleBatch, PresentMasksKeepOnlyTheirFields) {
  std::vector<WalSample> samples;
  for (uint16_t mask : {0x000, 0x001, 0x800, 0xAAA, 0x555, 0xFFF}) {
    WalSample s{.entity_key = mask, .timestamp_ms = 1735689600000, .present = mask};
    for (int f = 0; f < model::kMaxSeriesFields; ++f) s.values[f] = 100.0 + f;
    samples.push_back(s);
  }
  ExpectSameSamples(RoundTrip(SeriesKind::kGridStatus, samples), samples);
}

TEST(SampleBatch, MaskBitsAboveTheFieldLimitAreNotWritten) {
  WalSample s{.entity_key = 1, .present = 0xF001};
  s.values[0] = 1.5;
  const std::vector<WalSample> got = RoundTrip(SeriesKind::kReading, {s});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].present, 0x001);
  EXPECT_EQ(got[0].values[0], 1.5);
}

TEST(SampleBatch, TimestampsMayGoBackwardsAndSpanInt64) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<WalSample> samples;
  for (int64_t ts : {int64_t{1735689600000}, int64_t{1735689600000 - 900000}, int64_t{0},
                     int64_t{-1}, max, min, max, int64_t{-86400000}, int64_t{5}}) {
    samples.push_back(WalSample{.entity_key = 7, .timestamp_ms = ts});
  }
  ExpectSameSamples(RoundTrip(SeriesKind::kReading, samples), samples);
}

TEST(SampleBatch, KeysAndIntervalsRoundTripAtTheirExtremes) {
  std::vector<WalSample> samples;
  for (uint32_t key : {0u, 1u, 127u, 128u, std::numeric_limits<uint32_t>::max()}) {
    for (int32_t interval : {0, 900, 86400, std::numeric_limits<int32_t>::max(), -1,
                             std::numeric_limits<int32_t>::min()}) {
      samples.push_back(WalSample{.entity_key = key, .timestamp_ms = 1, .interval_s = interval});
    }
  }
  ExpectSameSamples(RoundTrip(SeriesKind::kReading, samples), samples);
}

TEST(SampleBatch, RandomBatchesRoundTrip) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::vector<WalSample> samples(rng() % 1000);
    for (WalSample& s : samples) {
      s.entity_key = static_cast<uint32_t>(rng() >> (rng() % 64));
      s.timestamp_ms = static_cast<int64_t>(rng() >> (rng() % 64));
      s.interval_s = static_cast<int32_t>(rng());
      s.present = static_cast<uint16_t>(rng() & 0xFFF);
      for (double& v : s.values) v = std::bit_cast<double>(rng());
    }
    ExpectSameSamples(RoundTrip(SeriesKind::kObservation, samples), samples);
  }
}

TEST(SampleBatch, EveryTruncationIsCorruption) {
  std::string payload;
  EncodeSampleBatch(SeriesKind::kReading,
                    std::vector<WalSample>{Reading(300, 1735689600000, 0.1, 229.9),
                                           Reading(301, 1735690500000, 0.2, 230.1)},
                    &payload);
  for (size_t len = 0; len < payload.size(); ++len) {
    SeriesKind kind{};
    std::vector<WalSample> samples;
    EXPECT_EQ(DecodeSampleBatch(payload.substr(0, len), &kind, &samples).code(),
              StatusCode::kCorruption)
        << len;
  }
}

TEST(SampleBatch, TrailingBytesAreCorruption) {
  std::string payload;
  EncodeSampleBatch(SeriesKind::kReading, std::vector<WalSample>{Reading(1, 2, 3, 4)}, &payload);
  payload.push_back('\0');
  SeriesKind kind{};
  std::vector<WalSample> samples;
  const Status status = DecodeSampleBatch(payload, &kind, &samples);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("trailing"), std::string::npos) << status.message();
}

TEST(SampleBatch, UnknownKindIsCorruption) {
  SeriesKind kind{};
  std::vector<WalSample> samples;
  for (char kind_byte : {'\x00', '\x05', '\xff'}) {  // 4 is the VEE overlay
    const std::string payload = std::string(1, kind_byte) + '\0';
    EXPECT_EQ(DecodeSampleBatch(payload, &kind, &samples).code(), StatusCode::kCorruption);
  }
}

TEST(SampleBatch, PresentBitAboveTheFieldLimitIsCorruption) {
  // kind 1, count 1, key 1, ts 0, interval 0, mask 0x1000 (varint 80 20)
  const std::string payload("\x01\x01\x01\x00\x00\x80\x20", 7);
  SeriesKind kind{};
  std::vector<WalSample> samples;
  const Status status = DecodeSampleBatch(payload, &kind, &samples);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("sample 0"), std::string::npos) << status.message();
}

TEST(SampleBatch, HugeCountIsCorruptionWithoutAllocating) {
  // count 2^62 in a 12-byte payload.
  const std::string payload("\x01\x80\x80\x80\x80\x80\x80\x80\x80\x40\x00\x00", 12);
  SeriesKind kind{};
  std::vector<WalSample> samples;
  EXPECT_EQ(DecodeSampleBatch(payload, &kind, &samples).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace metrify::engine::wal
