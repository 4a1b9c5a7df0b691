#include "parse/timestamp.h"

#include <gtest/gtest.h>

namespace metrify::parse {
namespace {

constexpr int64_t kHour = 3600000;
// 2026-03-29T00:00:00Z: the day Europe/Berlin moves from +01:00 to +02:00 at 01:00 UTC.
constexpr int64_t kSpringDay = 1774742400000;
// 2026-10-25T00:00:00Z: the day Europe/Berlin moves back at 01:00 UTC.
constexpr int64_t kAutumnDay = 1792886400000;

TimestampError ErrorOf(std::string_view text) {
  int64_t ms = 0;
  return ParseTimestamp(text, &ms);
}

TEST(ParseTimestamp, UtcAndOffsetsGiveTheSameInstant) {
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00Z"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-29T01:00:00+01:00"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-28T19:00:00-05:00"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-29T05:45:00+05:45"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00-00:00"), kSpringDay);
}

TEST(ParseTimestamp, BerlinSpringForwardInstantsMapToConsecutiveUtcQuarterHours) {
  // Local 01:45 +01:00 is followed by local 03:00 +02:00: 15 minutes later.
  EXPECT_EQ(ParseTimestamp("2026-03-29T01:45:00+01:00"), kSpringDay + kHour * 3 / 4);
  EXPECT_EQ(ParseTimestamp("2026-03-29T03:00:00+02:00"), kSpringDay + kHour);
  EXPECT_EQ(ParseTimestamp("2026-03-29T02:00:00+01:00"), kSpringDay + kHour);
}

TEST(ParseTimestamp, BerlinFallBackRepeatedHourIsTwoDistinctInstants) {
  auto first = ParseTimestamp("2026-10-25T02:30:00+02:00");
  auto second = ParseTimestamp("2026-10-25T02:30:00+01:00");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, kAutumnDay + kHour / 2);
  EXPECT_EQ(*second - *first, kHour);
}

TEST(ParseTimestamp, LeapDayExistsOnlyInLeapYears) {
  EXPECT_EQ(ParseTimestamp("2028-02-29T12:00:00Z"), 1835438400000);
  EXPECT_EQ(ParseTimestamp("2000-02-29T00:00:00Z"), 951782400000);
  EXPECT_EQ(ErrorOf("2026-02-29T00:00:00Z"), TimestampError::kInvalid);
  EXPECT_EQ(ErrorOf("2100-02-29T00:00:00Z"), TimestampError::kInvalid);
}

TEST(ParseTimestamp, FractionalSecondsAreTruncatedToMilliseconds) {
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00.5Z"), kSpringDay + 500);
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00.25Z"), kSpringDay + 250);
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00.123Z"), kSpringDay + 123);
  EXPECT_EQ(ParseTimestamp("2026-03-29T00:00:00.123999999+00:00"), kSpringDay + 123);
  EXPECT_EQ(ErrorOf("2026-03-29T00:00:00.1234567891Z"), TimestampError::kInvalid);
  EXPECT_EQ(ErrorOf("2026-03-29T00:00:00.Z"), TimestampError::kInvalid);
}

TEST(ParseTimestamp, LowerCaseSeparatorsAndSpaceAreAccepted) {
  EXPECT_EQ(ParseTimestamp("2026-03-29t00:00:00z"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-29 01:00:00+01:00"), kSpringDay);
}

TEST(ParseTimestamp, LocalTimeWithoutOffsetIsRefusedAsAmbiguous) {
  EXPECT_EQ(ErrorOf("2026-03-29T01:15:00"), TimestampError::kWithoutOffset);
  EXPECT_EQ(ErrorOf("2026-10-25T02:30:00.000"), TimestampError::kWithoutOffset);
  EXPECT_EQ(ErrorOf("2026-02-30T01:15:00"), TimestampError::kInvalid) << "no such day first";
}

TEST(ParseTimestamp, ImpossibleDatesAndTimesAreInvalid) {
  for (std::string_view text : {"2026-02-30T00:00:00Z",
                                "2026-13-01T00:00:00Z",
                                "2026-00-01T00:00:00Z",
                                "2026-04-31T00:00:00Z",
                                "2026-03-29T24:00:00Z",
                                "2026-03-29T23:60:00Z",
                                "2026-03-29T23:59:60Z",
                                "2026-03-29T00:00Z",
                                "2026-03-29",
                                "2026-3-29T00:00:00Z",
                                "2026-03-29T00:00:00+18:01",
                                "2026-03-29T00:00:00+19:00",
                                "2026-03-29T00:00:00+01:60",
                                "2026-03-29T00:00:00+0100",
                                "2026-03-29T00:00:00+01",
                                "2026-03-29T00:00:00 Z",
                                "2026-03-29T00:00:00Z ",
                                "2026-03-29X00:00:00Z",
                                "",
                                "-1",
                                "+1743210900000",
                                "1743210900000.0",
                                "0x10"}) {
    EXPECT_EQ(ErrorOf(text), TimestampError::kInvalid) << text;
  }
}

TEST(ParseTimestamp, OffsetsUpToEighteenHoursAreAccepted) {
  EXPECT_EQ(ParseTimestamp("2026-03-29T18:00:00+18:00"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("2026-03-28T06:00:00-18:00"), kSpringDay);
}

TEST(ParseTimestamp, EpochMillisecondDigitsAreAccepted) {
  EXPECT_EQ(ParseTimestamp("1774742400000"), kSpringDay);
  EXPECT_EQ(ParseTimestamp("0"), 0);
  EXPECT_EQ(ParseTimestamp("7289654399999"), kMaxTimestampMs);
}

TEST(ParseTimestamp, InstantsOutsideYears1970To2200AreOutOfRange) {
  EXPECT_EQ(ErrorOf("7289654400000"), TimestampError::kOutOfRange);
  EXPECT_EQ(ErrorOf("99999999999999999999999"), TimestampError::kOutOfRange);
  EXPECT_EQ(ErrorOf("1969-12-31T23:59:59Z"), TimestampError::kOutOfRange);
  EXPECT_EQ(ErrorOf("1970-01-01T00:30:00+01:00"), TimestampError::kOutOfRange);
  EXPECT_EQ(ErrorOf("2201-01-01T00:00:00Z"), TimestampError::kOutOfRange);
  EXPECT_EQ(ParseTimestamp("2200-12-31T23:59:59.999Z"), kMaxTimestampMs);
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(CheckEpochMillis(-1), TimestampError::kOutOfRange);
}

TEST(ParseTimestamp, FailureLeavesTheOutputUnchanged) {
  int64_t ms = 42;
  EXPECT_NE(ParseTimestamp("2026-02-30T00:00:00Z", &ms), TimestampError::kNone);
  EXPECT_EQ(ms, 42);
}

}  // namespace
}  // namespace metrify::parse
