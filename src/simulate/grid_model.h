// GridModel: each operator's status every minute of a day. Frequency is the
// synchronous area's (DayContext, with the operator's excursions); load
// follows the simulated fleet's consumption in the operator's area, scaled
// to the control area's peak; the renewable share follows wind and sun at
// the stations in the area.
#pragma once

#include <array>
#include <vector>

#include "simulate/day_context.h"
#include "simulate/rows.h"
#include "simulate/weather_model.h"

namespace metrify::simulate {

// Per operator, per interval of the day: the fleet's import energy (kWh)
// and what the fleet was expected to draw (annual / 35,040), for the shape.
struct FleetLoad {
  std::vector<DaySeries> import_kwh;
  std::vector<double> expected_kwh;  // per interval, from declared annual energy
};

// Rows with timestamps in [from_ms, to_ms), one per operator and minute.
std::vector<Row> GridStatusRows(uint64_t seed, const Fleet& fleet, const DayContext& day,
                                const FleetLoad& load, const WeatherModel& weather, int64_t from_ms,
                                int64_t to_ms);

}  // namespace metrify::simulate
