// The German calendar the BDEW standard load profiles are defined on: which
// days are public holidays nationwide, and which kind of day (working day,
// Saturday, Sunday or holiday) selects a profile curve.
//
// Regional holidays (Epiphany, Corpus Christi, Reformation Day, All Saints'
// Day, ...) are working days here: the profiles are published for the whole
// country, and a meter's state is not known to them.
//
// Thread safety: pure functions.
#pragma once

#include <date/date.h>

#include <cstdint>
#include <string_view>

namespace metrify::reference {

// The three kinds of day of the BDEW profiles (their codes WT, SA, FT).
// The values index the profile tables; never renumber.
enum class DayType : uint8_t {
  kWorkday = 0,        // WT: Monday to Friday that is no holiday
  kSaturday = 1,       // SA: Saturdays, and 24 and 31 December unless a Sunday
  kSundayHoliday = 2,  // FT: Sundays and nationwide public holidays
};
inline constexpr int kDayTypeCount = 3;

// "WT", "SA" or "FT", the codes of the BDEW tables.
std::string_view BdewCode(DayType type);

// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian
// computus of Meeus, Jones and Butcher), e.g. 2025-04-20; proleptic for
// years before 1583.
// REQUIRES: year >= 1.
date::year_month_day EasterSunday(date::year year);

// Whether `day` is a public holiday in every German state: New Year's Day,
// Good Friday, Easter Monday, 1 May, Ascension Day, Whit Monday, 3 October,
// 25 and 26 December, and the one-off Reformation Day of 31 October 2017.
// Easter and Whit Sunday are Sundays anyway and not listed. The rule is
// today's and is applied to every year (3 October became a holiday in 1990).
// REQUIRES: day.ok(), year >= 1.
bool IsNationwideHoliday(date::year_month_day day);

// The kind of day `day` is for the BDEW profiles: kSundayHoliday on Sundays
// and nationwide holidays; kSaturday on Saturdays and on 24 and 31 December
// (BDEW's rule for those two) unless they fall on a Sunday; kWorkday else.
// REQUIRES: day.ok(), year >= 1.
DayType DayTypeOf(date::year_month_day day);

}  // namespace metrify::reference
