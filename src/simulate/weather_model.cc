#include "simulate/weather_model.h"

#include <date/date.h>

#include <algorithm>
#include <cmath>

#include "reference/climate_region.h"
#include "reference/reference_year.h"
#include "simulate/rng.h"
#include "simulate/rows.h"

namespace metrify::simulate {

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;

// The reference year's hour containing `hour_start_ms` (UTC), in CET as
// the DWD tables are.
const reference::HourlyWeather& ReferenceHour(int region, int64_t hour_start_ms) {
  const int64_t cet = hour_start_ms + kHourMs;
  const date::sys_days day{date::days{static_cast<int>(std::floor(cet / double(kDayMs)))}};
  const date::year_month_day ymd{day};
  const int hour = static_cast<int>((cet - day.time_since_epoch().count() * kDayMs) / kHourMs);
  return reference::ReferenceYear::At(region, static_cast<int>(static_cast<unsigned>(ymd.month())),
                                      static_cast<int>(static_cast<unsigned>(ymd.day())), hour);
}

// A station's own deviation from its region on one day: smooth within the
// day (the day's value), drawn from the day's stream.
struct DayOffsets {
  double temperature, humidity, wind;
};
DayOffsets OffsetsOf(uint64_t seed, int station, int64_t day) {
  Rng rng(seed, Stream::kWeather, {station, day});
  return {rng.Normal(0, 0.8), rng.Normal(0, 3), std::exp(rng.Normal(0, 0.15))};
}

}  // namespace

WeatherModel::WeatherModel(uint64_t seed, const std::vector<model::WeatherStation>& stations)
    : seed_(seed) {
  for (const model::WeatherStation& s : stations) {
    sites_.push_back({reference::NearestRegion(*s.latitude, *s.longitude)});
  }
}

Weather WeatherModel::At(int station, int64_t t) const {
  const Site& site = sites_[station];
  const int64_t hour_start = t - ((t % kHourMs) + kHourMs) % kHourMs;
  const double f = static_cast<double>(t - hour_start) / kHourMs;  // weight of the next hour
  const reference::HourlyWeather& a = ReferenceHour(site.region, hour_start);
  const reference::HourlyWeather& b = ReferenceHour(site.region, hour_start + kHourMs);
  auto mix = [f](double x, double y) { return x + (y - x) * f; };
  const int64_t day = (t - ((t % kDayMs) + kDayMs) % kDayMs) / kDayMs;
  const DayOffsets off = OffsetsOf(seed_, station, day);

  Weather w;
  w.temperature_c = mix(a.temperature_c, b.temperature_c) + off.temperature;
  w.humidity_pct =
      std::clamp(mix(a.relative_humidity_pct, b.relative_humidity_pct) + off.humidity, 5.0, 100.0);
  // The tables give pressure at the region's station height; near enough.
  w.pressure_hpa = mix(a.pressure_hpa, b.pressure_hpa);
  // Clamped: the Kassel table holds two 60+ m/s hours that are not weather.
  w.wind_speed_ms = std::clamp(mix(a.wind_speed_ms, b.wind_speed_ms) * off.wind, 0.0, 35.0);
  w.wind_direction_deg = f < 0.5 ? a.wind_direction_deg : b.wind_direction_deg;
  auto cloud_pct = [](double okta) { return okta >= 9 ? 100.0 : okta * 12.5; };
  w.cloud_cover_pct = mix(cloud_pct(a.cloud_cover_okta), cloud_pct(b.cloud_cover_okta));
  w.solar_radiation_wm2 =
      std::max(0.0, mix(a.direct_wm2 + a.diffuse_wm2, b.direct_wm2 + b.diffuse_wm2));
  // Rain where the air is saturated under a closed sky, more when colder
  // air holds less: enough for a plausible precipitation column.
  const bool raining = w.humidity_pct >= 92 && w.cloud_cover_pct >= 85;
  w.precipitation_mm = raining ? (w.humidity_pct - 91) * 0.08 : 0;
  w.visibility_km = w.humidity_pct >= 97 ? 0.8 : std::clamp(60 - 0.55 * w.humidity_pct, 5.0, 50.0);
  return w;
}

model::Sample WeatherModel::Observation(int station, int64_t t) const {
  const Weather w = At(station, t);
  model::Sample s;
  s.timestamp_ms = t;
  const double values[] = {
      RoundToStep(w.temperature_c, 0.1),     RoundToStep(w.humidity_pct, 1),
      RoundToStep(w.pressure_hpa, 0.1),      RoundToStep(w.wind_speed_ms, 0.1),
      RoundToStep(w.wind_direction_deg, 10), RoundToStep(w.cloud_cover_pct, 1),
      RoundToStep(w.solar_radiation_wm2, 1), RoundToStep(w.precipitation_mm, 0.1),
      RoundToStep(w.visibility_km, 0.1)};
  for (int i = 0; i < static_cast<int>(std::size(values)); ++i) s.Set(i, values[i] + 0.0);
  return s;
}

}  // namespace metrify::simulate
