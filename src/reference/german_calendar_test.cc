#include "reference/german_calendar.h"

#include <gtest/gtest.h>

namespace metrify::reference {
namespace {

using date::year;
using date::year_month_day;

year_month_day Day(int y, unsigned m, unsigned d) {
  return year(y) / date::month(m) / date::day(d);
}

TEST(GermanCalendar, EasterSundayOfKnownYears) {
  EXPECT_EQ(EasterSunday(year(2024)), Day(2024, 3, 31));
  EXPECT_EQ(EasterSunday(year(2025)), Day(2025, 4, 20));
  EXPECT_EQ(EasterSunday(year(2026)), Day(2026, 4, 5));
  EXPECT_EQ(EasterSunday(year(2019)), Day(2019, 4, 21));
  EXPECT_EQ(EasterSunday(year(2000)), Day(2000, 4, 23));
  // The earliest and the latest dates Easter can take.
  EXPECT_EQ(EasterSunday(year(2285)), Day(2285, 3, 22));
  EXPECT_EQ(EasterSunday(year(2038)), Day(2038, 4, 25));
}

TEST(GermanCalendar, MovableHolidaysFollowEaster) {
  // Good Friday, Easter Monday, Ascension Day, Whit Monday.
  for (auto d : {Day(2024, 3, 29), Day(2024, 4, 1), Day(2024, 5, 9), Day(2024, 5, 20),
                 Day(2025, 4, 18), Day(2025, 4, 21), Day(2025, 5, 29), Day(2025, 6, 9),
                 Day(2026, 4, 3), Day(2026, 4, 6), Day(2026, 5, 14), Day(2026, 5, 25)}) {
    EXPECT_TRUE(IsNationwideHoliday(d)) << d;
    EXPECT_EQ(DayTypeOf(d), DayType::kSundayHoliday) << d;
  }
  // Maundy Thursday and the day after Whit Monday are working days.
  EXPECT_FALSE(IsNationwideHoliday(Day(2025, 4, 17)));
  EXPECT_FALSE(IsNationwideHoliday(Day(2025, 6, 10)));
}

TEST(GermanCalendar, FixedHolidays) {
  for (auto d : {Day(2025, 1, 1), Day(2025, 5, 1), Day(2025, 10, 3), Day(2025, 12, 25),
                 Day(2025, 12, 26), Day(2017, 10, 31)}) {
    EXPECT_TRUE(IsNationwideHoliday(d)) << d;
  }
}

TEST(GermanCalendar, RegionalHolidaysAreWorkingDays) {
  // Epiphany, Corpus Christi, Reformation Day (outside 2017), All Saints'
  // Day on a Saturday, Day of Prayer and Repentance (Saxony only).
  EXPECT_EQ(DayTypeOf(Day(2025, 1, 6)), DayType::kWorkday);
  EXPECT_EQ(DayTypeOf(Day(2025, 6, 19)), DayType::kWorkday);
  EXPECT_EQ(DayTypeOf(Day(2025, 10, 31)), DayType::kWorkday);
  EXPECT_EQ(DayTypeOf(Day(2025, 11, 1)), DayType::kSaturday);
  EXPECT_EQ(DayTypeOf(Day(2025, 11, 19)), DayType::kWorkday);
}

TEST(GermanCalendar, ChristmasEveAndNewYearsEveCountAsSaturday) {
  EXPECT_EQ(DayTypeOf(Day(2024, 12, 24)), DayType::kSaturday);       // Tuesday
  EXPECT_EQ(DayTypeOf(Day(2024, 12, 31)), DayType::kSaturday);       // Tuesday
  EXPECT_EQ(DayTypeOf(Day(2025, 12, 24)), DayType::kSaturday);       // Wednesday
  EXPECT_EQ(DayTypeOf(Day(2022, 12, 24)), DayType::kSaturday);       // a Saturday anyway
  EXPECT_EQ(DayTypeOf(Day(2023, 12, 24)), DayType::kSundayHoliday);  // Sunday
  EXPECT_EQ(DayTypeOf(Day(2023, 12, 31)), DayType::kSundayHoliday);  // Sunday
  EXPECT_EQ(DayTypeOf(Day(2024, 12, 23)), DayType::kWorkday);
}

TEST(GermanCalendar, HolidayOnSaturdayIsHoliday) {
  EXPECT_EQ(DayTypeOf(Day(2021, 12, 25)), DayType::kSundayHoliday);
  EXPECT_EQ(DayTypeOf(Day(2020, 10, 3)), DayType::kSundayHoliday);
}

TEST(GermanCalendar, WeekdaysAndWeekends) {
  EXPECT_EQ(DayTypeOf(Day(2025, 3, 14)), DayType::kWorkday);        // Friday
  EXPECT_EQ(DayTypeOf(Day(2025, 3, 15)), DayType::kSaturday);       // Saturday
  EXPECT_EQ(DayTypeOf(Day(2025, 3, 16)), DayType::kSundayHoliday);  // Sunday
}

// Counted independently (a Python script over the same rules): 2024 has one
// working day more, the leap day, a Thursday.
TEST(GermanCalendar, DayTypeCountsOfWholeYears) {
  for (auto [y, workdays, saturdays, sundays] :
       {std::tuple{2024, 251, 54, 61}, std::tuple{2025, 250, 54, 61}}) {
    int counts[kDayTypeCount] = {};
    for (date::sys_days d{year(y) / 1 / 1}; d < date::sys_days{year(y + 1) / 1 / 1};
         d += date::days(1)) {
      ++counts[static_cast<int>(DayTypeOf(year_month_day(d)))];
    }
    EXPECT_EQ(counts[0], workdays) << y;
    EXPECT_EQ(counts[1], saturdays) << y;
    EXPECT_EQ(counts[2], sundays) << y;
  }
}

TEST(GermanCalendar, BdewCodes) {
  EXPECT_EQ(BdewCode(DayType::kWorkday), "WT");
  EXPECT_EQ(BdewCode(DayType::kSaturday), "SA");
  EXPECT_EQ(BdewCode(DayType::kSundayHoliday), "FT");
}

}  // namespace
}  // namespace metrify::reference
