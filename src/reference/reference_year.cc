// Reads the trimmed TRY files of reference-data/dwd-try2010/ (made by
// scripts/trim-dwd-try2010; docs/reference-data.md).
#include "reference/reference_year.h"

#include <fmt/format.h>
#include <array>
#include <cassert>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "reference/embedded.h"
#include "reference/embedded_csv.h"

namespace metrify::reference {
namespace {

const std::string_view* const kFrames[kClimateRegionCount] = {
    &embedded::kTry2010Region01, &embedded::kTry2010Region02, &embedded::kTry2010Region03,
    &embedded::kTry2010Region04, &embedded::kTry2010Region05, &embedded::kTry2010Region06,
    &embedded::kTry2010Region07, &embedded::kTry2010Region08, &embedded::kTry2010Region09,
    &embedded::kTry2010Region10, &embedded::kTry2010Region11, &embedded::kTry2010Region12,
    &embedded::kTry2010Region13, &embedded::kTry2010Region14, &embedded::kTry2010Region15};

// Days before each month in a year of 365 days.
constexpr int kDaysBefore[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

// Columns of the trimmed files: month,day,hour,N,WR,WG,t,p,RF,B,D.
enum Column { kMonth, kDay, kHour, kN, kWr, kWg, kT, kP, kRf, kB, kD, kColumns };

// Checks that row `index` is the hour the file should have there, so that
// At() can index the rows by position.
void ExpectHour(const EmbeddedCsv& csv, int index) {
  const int day_of_year = index / 24;
  int month = 1;
  while (kDaysBefore[month] <= day_of_year) ++month;
  const int day = day_of_year - kDaysBefore[month - 1] + 1;
  const int hour = index % 24 + 1;
  if (csv.Number(kMonth) != month || csv.Number(kDay) != day || csv.Number(kHour) != hour) {
    csv.Fail(fmt::format("expected month {}, day {}, hour {}", month, day, hour));
  }
}

std::vector<HourlyWeather> Decode(int region) {
  const std::string file = fmt::format("dwd-try2010/TRY2010_{:02}.csv", region);
  EmbeddedCsv csv(*kFrames[region - 1], file);
  if (!csv.Next()) csv.Fail("no header");  // month,day,hour,...
  std::vector<HourlyWeather> hours;
  hours.reserve(ReferenceYear::kHours);
  while (csv.Next()) {
    csv.ExpectFields(kColumns);
    ExpectHour(csv, static_cast<int>(hours.size()));
    auto f = [&csv](Column c) { return static_cast<float>(csv.Number(c)); };
    hours.push_back({.temperature_c = f(kT),
                     .relative_humidity_pct = f(kRf),
                     .pressure_hpa = f(kP),
                     .wind_speed_ms = f(kWg),
                     .wind_direction_deg = f(kWr),
                     .cloud_cover_okta = f(kN),
                     .direct_wm2 = f(kB),
                     .diffuse_wm2 = f(kD)});
  }
  if (hours.size() != ReferenceYear::kHours) csv.Fail(fmt::format("{} hours", hours.size()));
  return hours;
}

struct RegionYear {
  std::once_flag once;
  std::vector<HourlyWeather> hours;
};

}  // namespace

std::span<const HourlyWeather, ReferenceYear::kHours> ReferenceYear::Hours(int region) {
  assert(region >= 1 && region <= kClimateRegionCount);
  static std::array<RegionYear, kClimateRegionCount> years;
  RegionYear& year = years[region - 1];
  std::call_once(year.once, [&] { year.hours = Decode(region); });
  return std::span<const HourlyWeather, kHours>(year.hours.data(), kHours);
}

const HourlyWeather& ReferenceYear::At(int region, int month, int day, int hour) {
  assert(month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23);
  if (month == 2 && day == 29) day = 28;
  assert(kDaysBefore[month - 1] + day <= kDaysBefore[month]);
  return Hours(region)[(kDaysBefore[month - 1] + day - 1) * 24 + hour];
}

}  // namespace metrify::reference
