#include "reference/german_calendar.h"

#include <cassert>

namespace metrify::reference {

using date::days;
using date::sys_days;

std::string_view BdewCode(DayType type) {
  switch (type) {
    case DayType::kWorkday:
      return "WT";
    case DayType::kSaturday:
      return "SA";
    case DayType::kSundayHoliday:
      return "FT";
  }
  return "?";
}

// Meeus/Jones/Butcher: h locates the Paschal full moon after 21 March,
// l the days from it to the next Sunday, m corrects the rare cases in which
// the epact would put Easter after 25 April.
date::year_month_day EasterSunday(date::year year) {
  assert(static_cast<int>(year) >= 1);
  const int y = static_cast<int>(year);
  const int a = y % 19, b = y / 100, c = y % 100;
  const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int n = h + l - 7 * m + 114;
  return year / date::month(static_cast<unsigned>(n / 31)) /
         date::day(static_cast<unsigned>(n % 31 + 1));
}

bool IsNationwideHoliday(date::year_month_day day) {
  assert(day.ok());
  const unsigned m = static_cast<unsigned>(day.month());
  const unsigned d = static_cast<unsigned>(day.day());
  if ((m == 1 && d == 1) || (m == 5 && d == 1) || (m == 10 && d == 3) ||
      (m == 12 && (d == 25 || d == 26))) {
    return true;
  }
  if (day == date::year(2017) / 10 / 31) return true;  // 500 years of the Reformation
  // The movable feasts all lie between Good Friday (March at the earliest)
  // and Whit Monday (June at the latest).
  if (m < 3 || m > 6) return false;
  const int offset = (sys_days(day) - sys_days(EasterSunday(day.year()))).count();
  return offset == -2 || offset == 1 || offset == 39 || offset == 50;
}

DayType DayTypeOf(date::year_month_day day) {
  assert(day.ok());
  const date::weekday weekday(sys_days{day});
  if (weekday == date::Sunday || IsNationwideHoliday(day)) return DayType::kSundayHoliday;
  const bool eve =
      day.month() == date::December && (day.day() == date::day(24) || day.day() == date::day(31));
  if (weekday == date::Saturday || eve) return DayType::kSaturday;
  return DayType::kWorkday;
}

}  // namespace metrify::reference
