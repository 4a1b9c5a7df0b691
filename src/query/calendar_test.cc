#include "query/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/query_testing.h"

namespace metrify::query {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::kHour;
using testing::Utc;
using testing::Zone;

constexpr size_t kManyBuckets = 100'000;

std::vector<int64_t> Edges(const char* zone, Interval interval, const char* start,
                           const char* end) {
  auto edges = BucketEdges(Utc(start), Utc(end), interval, Zone(zone), kManyBuckets);
  EXPECT_TRUE(edges.has_value()) << edges.status().ToString();
  return edges.has_value() ? *edges : std::vector<int64_t>{};
}

std::vector<int64_t> UtcAll(std::initializer_list<const char*> texts) {
  std::vector<int64_t> out;
  for (const char* text : texts) out.push_back(Utc(text));
  return out;
}

// One query range and the buckets it must produce: how many, and the first
// and last edge. The comment on each row says what the row is about.
struct EdgeCase {
  const char* zone;
  Interval interval;
  const char* start;
  const char* end;
  size_t buckets;
  const char* first_edge;
  const char* last_edge;
};

const EdgeCase kEdgeCases[] = {
    // Berlin, an ordinary local day: 24 hours.
    {"Europe/Berlin", Interval::k15m, "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z", 96,
     "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z"},
    {"Europe/Berlin", Interval::k1h, "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z", 24,
     "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z"},
    {"Europe/Berlin", Interval::k1d, "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z", 1,
     "2025-03-27T23:00:00Z", "2025-03-28T23:00:00Z"},
    // Berlin springs forward on 2025-03-30: the local day has 23 hours.
    {"Europe/Berlin", Interval::k15m, "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z", 92,
     "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z"},
    {"Europe/Berlin", Interval::k1h, "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z", 23,
     "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z"},
    {"Europe/Berlin", Interval::k1d, "2025-03-30T12:00:00Z", "2025-03-30T12:00:01Z", 1,
     "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z"},
    // Berlin falls back on 2025-10-26: 25 hours, the repeated hour counted twice.
    {"Europe/Berlin", Interval::k15m, "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z", 100,
     "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"},
    {"Europe/Berlin", Interval::k1h, "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z", 25,
     "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"},
    {"Europe/Berlin", Interval::k1d, "2025-10-26T01:30:00Z", "2025-10-26T01:30:01Z", 1,
     "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"},
    // A range off the grid widens to the buckets around it.
    {"Etc/UTC", Interval::k15m, "2025-01-01T00:07:00Z", "2025-01-01T00:31:00Z", 3,
     "2025-01-01T00:00:00Z", "2025-01-01T00:45:00Z"},
    // Asia/Kolkata (+05:30): hours start at hh:30 UTC; quarter hours stay UTC-aligned.
    {"Asia/Kolkata", Interval::k1h, "2025-01-01T00:00:00Z", "2025-01-01T03:00:00Z", 4,
     "2024-12-31T23:30:00Z", "2025-01-01T03:30:00Z"},
    {"Asia/Kolkata", Interval::k15m, "2025-01-01T00:00:00Z", "2025-01-01T03:00:00Z", 12,
     "2025-01-01T00:00:00Z", "2025-01-01T03:00:00Z"},
    {"Asia/Kolkata", Interval::k1d, "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z", 1,
     "2024-12-31T18:30:00Z", "2025-01-01T18:30:00Z"},
    // Asia/Kathmandu (+05:45): hours start at hh:15 UTC.
    {"Asia/Kathmandu", Interval::k1h, "2025-01-01T00:00:00Z", "2025-01-01T03:00:00Z", 4,
     "2024-12-31T23:15:00Z", "2025-01-01T03:15:00Z"},
    // America/Santiago skips local midnight on 2024-09-08 (00:00 -04 -> 01:00 -03):
    // that day starts at the transition and has 23 hours.
    {"America/Santiago", Interval::k1d, "2024-09-08T12:00:00Z", "2024-09-08T12:00:01Z", 1,
     "2024-09-08T04:00:00Z", "2024-09-09T03:00:00Z"},
    {"America/Santiago", Interval::k1d, "2024-09-07T04:00:00Z", "2024-09-09T03:00:00Z", 2,
     "2024-09-07T04:00:00Z", "2024-09-09T03:00:00Z"},
    // ...and repeats 23:00-24:00 on 2024-04-06: a 25-hour day.
    {"America/Santiago", Interval::k1d, "2024-04-06T12:00:00Z", "2024-04-06T12:00:01Z", 1,
     "2024-04-06T03:00:00Z", "2024-04-07T04:00:00Z"},
    // America/Havana repeats 00:00-01:00 on 2024-11-03: the day starts at the first midnight.
    {"America/Havana", Interval::k1d, "2024-11-03T05:30:00Z", "2024-11-03T05:30:01Z", 1,
     "2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z"},
    // Asia/Beirut skips local midnight on 2025-03-30 (00:00 +02 -> 01:00 +03).
    {"Asia/Beirut", Interval::k1d, "2025-03-30T12:00:00Z", "2025-03-30T12:00:01Z", 1,
     "2025-03-29T22:00:00Z", "2025-03-30T21:00:00Z"},
    // Months: a range inside March widens to the local month.
    {"Europe/Berlin", Interval::k1M, "2025-03-15T12:00:00Z", "2025-03-16T00:00:00Z", 1,
     "2025-02-28T23:00:00Z", "2025-03-31T22:00:00Z"},
    {"Europe/Berlin", Interval::k1M, "2025-03-15T12:00:00Z", "2025-04-15T00:00:00Z", 2,
     "2025-02-28T23:00:00Z", "2025-04-30T22:00:00Z"},
};

TEST(CalendarEdges, TableOfRangesGivesTheLocalBuckets) {
  for (const EdgeCase& c : kEdgeCases) {
    SCOPED_TRACE(::testing::Message()
                 << c.zone << " " << IntervalName(c.interval) << " " << c.start << " .. " << c.end);
    std::vector<int64_t> edges = Edges(c.zone, c.interval, c.start, c.end);
    ASSERT_EQ(edges.size(), c.buckets + 1);
    EXPECT_EQ(edges.front(), Utc(c.first_edge));
    EXPECT_EQ(edges.back(), Utc(c.last_edge));
    EXPECT_TRUE(std::is_sorted(edges.begin(), edges.end()));
    EXPECT_EQ(std::adjacent_find(edges.begin(), edges.end()), edges.end()) << "repeated edge";
  }
}

TEST(CalendarEdges, BerlinMonthsOfAYearStartAtLocalMidnightOnTheFirst) {
  std::vector<int64_t> edges =
      Edges("Europe/Berlin", Interval::k1M, "2024-12-31T23:00:00Z", "2025-12-31T23:00:00Z");
  EXPECT_THAT(edges, ElementsAreArray(UtcAll({
                         "2024-12-31T23:00:00Z",
                         "2025-01-31T23:00:00Z",
                         "2025-02-28T23:00:00Z",
                         "2025-03-31T22:00:00Z",
                         "2025-04-30T22:00:00Z",
                         "2025-05-31T22:00:00Z",
                         "2025-06-30T22:00:00Z",
                         "2025-07-31T22:00:00Z",
                         "2025-08-31T22:00:00Z",
                         "2025-09-30T22:00:00Z",
                         "2025-10-31T23:00:00Z",
                         "2025-11-30T23:00:00Z",
                         "2025-12-31T23:00:00Z",
                     })));
  ASSERT_EQ(edges.size(), 13u);
  EXPECT_EQ((edges[3] - edges[2]) / kHour, 743);   // March loses an hour
  EXPECT_EQ((edges[10] - edges[9]) / kHour, 745);  // October gains one
}

TEST(CalendarEdges, HalfHourDstShiftMakesOneHourBucketNinetyMinutes) {
  // Australia/Lord_Howe moves by 30 minutes. On 2025-04-06 at 15:00Z the wall
  // clock goes from 02:00 (+11) back to 01:30 (+10:30); the next full hour on
  // the wall, 02:00, comes at 15:30Z.
  EXPECT_THAT(
      Edges("Australia/Lord_Howe", Interval::k1h, "2025-04-05T14:00:00Z", "2025-04-05T16:30:00Z"),
      ElementsAreArray(
          UtcAll({"2025-04-05T14:00:00Z", "2025-04-05T15:30:00Z", "2025-04-05T16:30:00Z"})));
  // On 2025-10-05 at 15:30Z it goes from 02:00 (+10:30) to 02:30 (+11): 02:00 never shows.
  EXPECT_THAT(
      Edges("Australia/Lord_Howe", Interval::k1h, "2025-10-04T14:30:00Z", "2025-10-04T17:00:00Z"),
      ElementsAreArray(
          UtcAll({"2025-10-04T14:30:00Z", "2025-10-04T16:00:00Z", "2025-10-04T17:00:00Z"})));
}

TEST(CalendarEdges, DaySkippedWholeGivesNoEmptyBucket) {
  // Pacific/Apia jumped from 2011-12-29 23:59:59 (-10) to 2011-12-31 00:00 (+14).
  EXPECT_THAT(Edges("Pacific/Apia", Interval::k1d, "2011-12-29T10:00:00Z", "2011-12-31T10:00:00Z"),
              ElementsAreArray(UtcAll(
                  {"2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z"})));
}

TEST(CalendarZone, FindsZonesAndLinks) {
  for (const char* name : {"Europe/Berlin", "Asia/Kolkata", "America/Santiago", "UTC", "Etc/UTC"}) {
    auto zone = FindZone(name);
    EXPECT_TRUE(zone.has_value()) << name;
  }
}

TEST(CalendarZone, UnknownZoneIsInvalidArgumentNamingIt) {
  for (const char* name :
       {"Mars/Olympus_Mons", "", "Europe/Berlin ", "Berlin", "../../../etc/passwd"}) {
    auto zone = FindZone(name);
    ASSERT_FALSE(zone.has_value()) << name;
    EXPECT_EQ(zone.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(zone.error().message(), std::string("unknown time zone \"") + name + "\"");
  }
}

Status EdgesError(int64_t start, int64_t end, Interval interval, size_t max_buckets) {
  return BucketEdges(start, end, interval, Zone("Europe/Berlin"), max_buckets).status();
}

TEST(CalendarEdges, RefusesEmptyAndBackwardRanges) {
  int64_t t = Utc("2025-01-01T00:00:00Z");
  for (int64_t end : {t, t - 1, t - kHour}) {
    Status status = EdgesError(t, end, Interval::k1h, kManyBuckets);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("is not after its start 2025-01-01T00:00:00Z"));
  }
}

TEST(CalendarEdges, RefusesRawAndRangesOutsideYearsOneTo9999) {
  int64_t t = Utc("2025-01-01T00:00:00Z");
  EXPECT_EQ(EdgesError(t, t + kHour, Interval::kRaw, kManyBuckets).message(),
            "interval raw has no buckets");
  EXPECT_THAT(EdgesError(t, INT64_MAX, Interval::k1d, kManyBuckets).message(),
              HasSubstr("years 1 to 9999"));
  EXPECT_THAT(EdgesError(INT64_MIN, t, Interval::k1d, kManyBuckets).message(),
              HasSubstr("years 1 to 9999"));
}

TEST(CalendarEdges, RefusesMoreThanMaxBucketsNamingTheCount) {
  int64_t t = Utc("2025-01-01T00:00:00Z");
  int64_t quarter = 15 * testing::kMinute;
  EXPECT_EQ(EdgesError(t, t + 40'000 * quarter, Interval::k15m, 10'000).message(),
            "the range has 40000 buckets of 15m; at most 10000 are allowed: narrow the range or "
            "choose a coarser interval");
  // The limit itself is allowed, for every interval.
  EXPECT_TRUE(EdgesError(t, t + 96 * quarter, Interval::k15m, 96).ok());
  EXPECT_FALSE(EdgesError(t, t + 96 * quarter + 1, Interval::k15m, 96).ok());
  EXPECT_THAT(EdgesError(t, Utc("2025-01-30T23:00:00Z"), Interval::k1d, 29).message(),
              HasSubstr("the range has 30 buckets of 1d; at most 29"));
  EXPECT_TRUE(EdgesError(t, Utc("2025-01-30T23:00:00Z"), Interval::k1d, 30).ok());
  EXPECT_THAT(EdgesError(t, Utc("2026-01-01T00:00:00Z"), Interval::k1M, 12).message(),
              HasSubstr("the range has 13 buckets of 1M"));
}

TEST(CalendarEdges, HugeRangeIsRefusedWithoutEnumeratingIt) {
  // A thousand years of quarter hours: counted per offset period, not per bucket.
  Status status =
      EdgesError(Utc("1500-01-01T00:00:00Z"), Utc("2500-01-01T00:00:00Z"), Interval::k15m, 10'000);
  EXPECT_THAT(status.message(), HasSubstr("buckets of 15m; at most 10000"));
}

}  // namespace
}  // namespace metrify::query
