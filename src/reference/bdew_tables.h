// The BDEW standard load profiles as tables of day curves, parsed from the
// embedded CSV files (docs/reference-data.md has the files, their units and
// their calendar). Internal to reference/: load_profile.h is the front door.
//
// Thread safety: BdewTables() parses once, on its first call, behind a
// function-local static; the tables are immutable after. The other functions
// are pure.
#pragma once

#include <date/date.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "reference/german_calendar.h"

namespace metrify::reference {

inline constexpr int kQuarterHoursPerDay = 96;

// One day of a profile: kWh in each quarter-hour (slot 0 is 00:00-00:15) per
// kWh of annual consumption, before dynamisation and normalisation.
using DayCurve = std::array<double, kQuarterHoursPerDay>;

// Seasons of the 1999 profiles. The values index the tables; never renumber.
enum class Season : uint8_t {
  kWinter = 0,      // 1 November to 20 March
  kTransition = 1,  // 21 March to 14 May, 15 September to 31 October
  kSummer = 2,      // 15 May to 14 September
};
Season SeasonOf(date::year_month_day day);

enum class ProfileFamily : uint8_t {
  kBdew1999,  // curve by season and day type: 3 x 3
  kBdew2025,  // curve by month and day type: 12 x 3
};

struct ProfileTable {
  std::string name;  // as in model::KnownLoadProfiles(): "H0", "G25", ...
  ProfileFamily family = ProfileFamily::kBdew1999;
  bool dynamised = false;        // H0: scaled by DynamisationFactor() per day
  std::vector<DayCurve> curves;  // indexed by CurveIndex()
};

// Which of a family's curves applies on `day`: season * 3 + day type for
// 1999, (month - 1) * 3 + day type for 2025.
int CurveIndex(ProfileFamily family, date::year_month_day day);

// BDEW's dynamisation factor for the H0 profile on day `day_of_year` (1-366):
// F(t) = -3.92e-10 t^4 + 3.2e-7 t^3 - 7.02e-5 t^2 + 2.1e-3 t + 1.24, rounded
// to 4 decimals as BDEW prescribes: 1.2420 on 1 January, lowest (0.7847) on
// day 201, 1.2597 on day 366.
double DynamisationFactor(int day_of_year);

// 1 for 1 January, 366 for 31 December of a leap year.
int DayOfYear(date::year_month_day day);

// H0, G0-G6, L0-L2, H25, G25, L25, P25, S25, in that order. Aborts with the
// file and line if an embedded file is malformed (only a broken build can
// make one so).
const std::vector<ProfileTable>& BdewTables();

}  // namespace metrify::reference
