// The DWD test reference years 2010 ("mittleres Jahr", reference period
// 1988-2007): one typical year of hourly weather for each of Germany's 15
// climate regions (climate_region.h), compiled into the binary. The fleet
// simulator uses them for weather-driven load (heating, PV).
//
// Time. Hours are CET (UTC+1) the whole year, without summer time, as in the
// source: hour 0 is 00:00-01:00 CET, which the file calls hour 1. Irradiance
// is the mean over that hour; the other values are observed at its end. The
// year has 365 days; 29 February reads as 28 February.
//
// Values are as published except that they are stored as float. Source
// quirks are kept (docs/reference-data.md): wind direction 99 occurs, mostly
// with calm air, and region 7 has two hours with implausible wind speeds
// (63 and 66 m/s on 2 and 4 January, 21:00-22:00).
//
// Lifetime and thread safety: each region's year is decoded on its first use
// (about 0.3 MB) and lives for the whole program; safe from any thread.
#pragma once

#include <span>

#include "reference/climate_region.h"

namespace metrify::reference {

struct HourlyWeather {
  float temperature_c;          // air temperature 2 m above ground
  float relative_humidity_pct;  // relative humidity 2 m above ground, 1-100
  float pressure_hpa;           // air pressure at station height
  float wind_speed_ms;          // wind speed 10 m above ground
  float wind_direction_deg;     // 10 m above ground, 10-360 (360 = north); 0 calm
  float cloud_cover_okta;       // 0-8 eighths; 9 = sky not visible (fog)
  float direct_wm2;             // direct solar irradiance, horizontal plane
  float diffuse_wm2;            // diffuse solar irradiance, horizontal plane
};

class ReferenceYear {
 public:
  static constexpr int kHours = 365 * 24;

  // The weather of `region` in hour `hour` (0-23, CET) of `month`/`day`.
  // REQUIRES: 1 <= region <= 15, 1 <= month <= 12, day valid in a leap year,
  // 0 <= hour <= 23.
  static const HourlyWeather& At(int region, int month, int day, int hour);

  // The whole year of `region`, 1 January 00:00-01:00 CET first.
  // REQUIRES: 1 <= region <= 15.
  static std::span<const HourlyWeather, kHours> Hours(int region);
};

}  // namespace metrify::reference
