// MeterModel: one meter's true day, interval by interval, before any fault:
// load from its standard load profile scaled to its declared annual energy,
// with per-meter noise; rooftop PV from its station's solar radiation,
// netted against the load into import and export; and the electrical
// values a smart meter reports with it. A pure function of (seed, meter,
// day, context), so the same day comes out the same in any run.
#pragma once

#include <array>
#include <cstdint>

#include "simulate/day_context.h"
#include "simulate/fleet.h"

namespace metrify::simulate {

struct TrueInterval {
  int64_t import_wh = 0;  // meter resolution: 1 Wh (0.001 kWh)
  int64_t export_wh = 0;
  double voltage_v = 0;  // 0.1 V
  double current_a = 0;  // 0.01 A
  double power_factor = 0;
  double frequency_hz = 0;  // 0.01 Hz
  double active_power_kw = 0;
  double reactive_power_kvar = 0;
};

using TrueDay = std::array<TrueInterval, kSlots>;

TrueDay SimulateMeterDay(uint64_t seed, int index, const SimMeter& meter, const DayContext& day);

}  // namespace metrify::simulate
