// DayContext: what every meter of one UTC day shares, computed once: the
// local quarter-hour of each interval (for the load profiles, in
// Europe/Berlin time), each profile's energy per kWh of annual consumption,
// each station's solar radiation and the grid frequency each operator sees.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "simulate/faults.h"
#include "simulate/fleet.h"
#include "simulate/weather_model.h"

namespace metrify::simulate {

inline constexpr int kSlots = 96;
inline constexpr int64_t kQuarterMs = 900'000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int kMinutes = 1440;

using DaySeries = std::array<double, kSlots>;

struct DayContext {
  int64_t day = 0;       // days since the epoch (UTC)
  int64_t start_ms = 0;  // 00:00 UTC
  // Interval i ends at start_ms + (i + 1) quarter hours.
  std::map<std::string, DaySeries> per_kwh;                // by profile name: kWh per kWh/a
  std::vector<DaySeries> solar_wm2;                        // by station: mean over the interval
  std::vector<std::array<double, kMinutes>> frequency_hz;  // by operator, per minute
  std::vector<Fault> operator_faults;                      // frequency excursions of the day

  // The grid frequency operator `op` sees at `t` (ms within the day or after).
  double FrequencyAt(int op, int64_t t) const;
};

// Errors: a profile the meters name is unknown.
Result<DayContext> MakeDayContext(int64_t day, const Fleet& fleet, const WeatherModel& weather,
                                  const FaultPlan& faults, uint64_t seed);

}  // namespace metrify::simulate
