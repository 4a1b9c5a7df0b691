#include "simulate/meter_model.h"

#include <algorithm>
#include <cmath>

#include "simulate/rng.h"
#include "simulate/rows.h"

namespace metrify::simulate {

namespace {
// PV yield per kWp at 1,000 W/m² after inverter and cabling losses.
constexpr double kPerformanceRatio = 0.85;
}  // namespace

TrueDay SimulateMeterDay(uint64_t seed, int index, const SimMeter& m, const DayContext& day) {
  Rng rng(seed, Stream::kMeterDay, {index, day.day});
  const DaySeries& shape = day.per_kwh.at(m.profile);
  const DaySeries& solar = day.solar_wm2[m.station_index];
  // Lognormal noise with mean 1, so the year adds up to the declared energy.
  const double sigma = m.noise, bias = -0.5 * m.noise * m.noise;
  double voltage_walk = rng.Normal(0, 1.5);
  TrueDay out;
  for (int i = 0; i < kSlots; ++i) {
    TrueInterval& r = out[i];
    const double load_kwh = shape[i] * m.annual_kwh * std::exp(sigma * rng.Normal() + bias);
    const double pv_kwh = m.pv_kwp * solar[i] / 1000.0 * kPerformanceRatio * 0.25;
    r.import_wh = std::llround(std::max(0.0, load_kwh - pv_kwh) * 1000);
    r.export_wh = std::llround(std::max(0.0, pv_kwh - load_kwh) * 1000);
    const double power_kw = r.import_wh / 1000.0 * 4;
    // Voltage sags a little under the neighbourhood's evening load.
    voltage_walk = std::clamp(0.8 * voltage_walk + rng.Normal(0, 0.8), -6.0, 6.0);
    const double sag = 3.0 * shape[i] * 35040;  // about 3 V at an average quarter hour
    r.voltage_v = RoundToStep(std::clamp(233 + voltage_walk - sag, 216.0, 244.0), 0.1);
    r.power_factor = RoundToStep(std::clamp(m.power_factor + rng.Normal(0, 0.01), 0.8, 1.0), 0.001);
    r.current_a = RoundToStep(power_kw * 1000 / (r.voltage_v * r.power_factor * m.phases), 0.01);
    r.active_power_kw = RoundToStep(power_kw, 0.001);
    r.reactive_power_kvar = RoundToStep(power_kw * std::tan(std::acos(r.power_factor)), 0.001);
    const int64_t end = day.start_ms + (i + 1) * kQuarterMs;
    r.frequency_hz =
        RoundToStep(day.FrequencyAt(m.operator_index, end - 1) + rng.Normal(0, 0.002), 0.01);
  }
  return out;
}

}  // namespace metrify::simulate
