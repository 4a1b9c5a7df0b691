// The 15 climate regions of Germany for which the Deutscher Wetterdienst
// publishes test reference years (TRY 2010), each with the station whose
// observations represent it. reference_year.h has the hourly weather.
//
// Positions and elevations are the ones the DWD gives in the header of each
// TRY file (to the arc minute).
//
// Thread safety: constants and pure functions.
#pragma once

#include <span>
#include <string_view>

namespace metrify::reference {

inline constexpr int kClimateRegionCount = 15;

struct ClimateRegion {
  int number = 0;            // 1-15, the DWD's region number
  std::string_view name;     // e.g. "North-east German lowlands"
  std::string_view station;  // representative station, e.g. "Potsdam"
  int wmo_id = 0;            // WMO station number, e.g. 10379
  double latitude = 0;       // degrees north (WGS 84)
  double longitude = 0;      // degrees east
  int elevation_m = 0;       // station height above sea level
};

// All 15 regions, region 1 first.
std::span<const ClimateRegion, kClimateRegionCount> ClimateRegions();

// Region `number`. REQUIRES: 1 <= number <= 15.
const ClimateRegion& ClimateRegionOf(int number);

// The number of the region whose station is nearest to the point `latitude`,
// `longitude` (degrees) along a great circle. This stands in for the DWD's
// region map, which follows climate rather than distance: it is right for
// towns in the plains and in the larger valleys, and may be off in the
// uplands, e.g. on the Feldberg of the Black Forest. Also defined outside
// Germany (the nearest German station).
int NearestRegion(double latitude, double longitude);

}  // namespace metrify::reference
