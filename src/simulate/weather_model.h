// WeatherModel: what each simulated station observes, every quarter hour.
// The base is the DWD test reference year of the station's climate region
// (real hourly weather of a typical year: seasons, fronts, sunny and grey
// days), interpolated between hours; each station adds its own slowly
// varying offsets so neighbours differ. A pure function of (seed, station,
// instant): the meter model asks it for solar radiation when it needs it.
#pragma once

#include <cstdint>
#include <vector>

#include "model/series.h"
#include "model/weather_station.h"

namespace metrify::simulate {

struct Weather {
  double temperature_c = 0;
  double humidity_pct = 0;
  double pressure_hpa = 0;
  double wind_speed_ms = 0;
  double wind_direction_deg = 0;
  double cloud_cover_pct = 0;
  double solar_radiation_wm2 = 0;
  double precipitation_mm = 0;  // in the quarter hour before the instant
  double visibility_km = 0;
};

class WeatherModel {
 public:
  WeatherModel(uint64_t seed, const std::vector<model::WeatherStation>& stations);

  Weather At(int station, int64_t timestamp_ms) const;
  // The observation as stored: every field, rounded as a station reports.
  model::Sample Observation(int station, int64_t timestamp_ms) const;

 private:
  struct Site {
    int region;  // DWD climate region 1..15
  };
  uint64_t seed_;
  std::vector<Site> sites_;
};

}  // namespace metrify::simulate
