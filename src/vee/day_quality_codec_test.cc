#include "vee/day_quality_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

namespace metrify::vee {
namespace {

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

DayQuality Sample() {
  DayQuality d;
  d.day = 20'540;
  d.start_ms = 1'774'652'400'000;
  d.end_ms = 1'774'735'200'000;
  d.intervals = 92;
  d.tally.expected = 92;
  d.tally.counts = {85, 3, 1, 2, 1};
  d.tally.came = 90;
  d.tally.refused = 4;
  d.tally.late = 7;
  d.tally.timeliness_sum = 84.123456789012345;
  d.tally.quality_sum = 0.1 + 0.2;  // not a short decimal
  d.tally.energy_kwh = -0.0;
  d.tally.energy_intervals = 89;
  d.tally.rules[0] = 1;
  d.tally.rules[5] = 300;
  d.tally.rules[63] = int64_t{1} << 40;
  d.daily.result = DailyResult::kHigh;
  d.daily.reason = NotJudgedReason::kNone;
  d.daily.usual_kwh = 23.999999999999996;
  d.daily.history_days = 13;
  d.daily.ratio = NAN;
  return d;
}

void ExpectSame(const DayQuality& a, const DayQuality& b) {
  EXPECT_EQ(a.day, b.day);
  EXPECT_EQ(a.start_ms, b.start_ms);
  EXPECT_EQ(a.end_ms, b.end_ms);
  EXPECT_EQ(a.intervals, b.intervals);
  EXPECT_EQ(a.tally.expected, b.tally.expected);
  EXPECT_EQ(a.tally.counts, b.tally.counts);
  EXPECT_EQ(a.tally.came, b.tally.came);
  EXPECT_EQ(a.tally.refused, b.tally.refused);
  EXPECT_EQ(a.tally.late, b.tally.late);
  EXPECT_EQ(Bits(a.tally.timeliness_sum), Bits(b.tally.timeliness_sum));
  EXPECT_EQ(Bits(a.tally.quality_sum), Bits(b.tally.quality_sum));
  EXPECT_EQ(Bits(a.tally.energy_kwh), Bits(b.tally.energy_kwh));
  EXPECT_EQ(a.tally.energy_intervals, b.tally.energy_intervals);
  EXPECT_EQ(a.tally.rules, b.tally.rules);
  EXPECT_EQ(a.daily.result, b.daily.result);
  EXPECT_EQ(a.daily.reason, b.daily.reason);
  EXPECT_EQ(Bits(a.daily.usual_kwh), Bits(b.daily.usual_kwh));
  EXPECT_EQ(a.daily.history_days, b.daily.history_days);
  EXPECT_EQ(Bits(a.daily.ratio), Bits(b.daily.ratio));
}

TEST(DayQualityCodec, RoundTripKeepsEveryFieldBitForBit) {
  const DayQuality day = Sample();
  const std::string bytes = EncodeDayQuality(day);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kDayQualityCodecVersion);
  Result<DayQuality> back = DecodeDayQuality(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  ExpectSame(day, *back);
  EXPECT_TRUE(std::isnan(back->daily.ratio));
  EXPECT_TRUE(std::signbit(back->tally.energy_kwh)) << "-0 stays -0";
}

TEST(DayQualityCodec, EmptyDayAndNotJudgedRoundTrip) {
  DayQuality day;  // nothing due: NaN usual day and ratio, no rules
  day.daily.reason = NotJudgedReason::kTooLittleHistory;
  day.day = -3;  // before 1970
  Result<DayQuality> back = DecodeDayQuality(EncodeDayQuality(day));
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  ExpectSame(day, *back);
}

TEST(DayQualityCodec, DamagedInputIsCorruption) {
  const std::string bytes = EncodeDayQuality(Sample());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Result<DayQuality> short_input = DecodeDayQuality(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(short_input.has_value()) << "cut at " << cut;
    EXPECT_EQ(short_input.error().code(), StatusCode::kCorruption);
  }
  EXPECT_FALSE(DecodeDayQuality(bytes + "x").has_value()) << "trailing bytes";
  std::string other_version = bytes;
  other_version[0] = 2;
  EXPECT_FALSE(DecodeDayQuality(other_version).has_value());
}

}  // namespace
}  // namespace metrify::vee
