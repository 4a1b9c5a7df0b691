#include "simulate/grid_model.h"

#include <algorithm>
#include <cmath>

#include "simulate/places.h"
#include "simulate/rng.h"
#include "simulate/rows.h"

namespace metrify::simulate {

namespace {

// The stations in each operator's area: a station belongs to the operator
// of the nearest fleet city.
std::vector<std::vector<int>> StationsByOperator(const Fleet& fleet) {
  std::vector<std::vector<int>> out(fleet.operators.size());
  for (size_t s = 0; s < fleet.stations.size(); ++s) {
    const auto& st = fleet.stations[s];
    int best = 0;
    double best_km = 1e18;
    for (const City& c : Cities()) {
      const double km = DistanceKm(*st.latitude, *st.longitude, c.latitude, c.longitude);
      if (km < best_km) {
        best_km = km;
        best = c.operator_index;
      }
    }
    if (best < static_cast<int>(out.size())) out[best].push_back(static_cast<int>(s));
  }
  return out;
}

}  // namespace

std::vector<Row> GridStatusRows(uint64_t seed, const Fleet& fleet, const DayContext& day,
                                const FleetLoad& load, const WeatherModel& weather, int64_t from_ms,
                                int64_t to_ms) {
  static const int kFrequency = 0, kVoltage = 1, kLoad = 2, kGeneration = 3, kRenewable = 4,
                   kAvailable = 5, kStability = 6;
  const std::vector<std::vector<int>> stations = StationsByOperator(fleet);
  std::vector<Row> rows;
  for (size_t op = 0; op < fleet.operators.size(); ++op) {
    Rng rng(seed, Stream::kGrid, {static_cast<int64_t>(op), day.day});
    const double capacity = *fleet.operators[op].capacity_mw;
    double voltage_walk = rng.Normal(0, 2);
    for (int minute = 0; minute < kMinutes; ++minute) {
      const int64_t t = day.start_ms + minute * 60'000;
      const int slot = minute / 15;
      // The fleet's load relative to its expectation; without meters in the
      // area, the profile's own shape.
      double relative = day.per_kwh.begin()->second[slot] * 35040;
      if (load.expected_kwh[op] > 0) relative = load.import_kwh[op][slot] / load.expected_kwh[op];
      const double load_mw = capacity * std::clamp(0.42 + 0.3 * relative, 0.3, 0.98);
      double wind = 0, sun = 0;
      for (int s : stations[op]) {
        const Weather w = weather.At(s, t);
        wind += std::min(1.0, std::pow(w.wind_speed_ms / 12.0, 3));
        sun += std::min(1.0, w.solar_radiation_wm2 / 850.0);
      }
      if (!stations[op].empty()) {
        wind /= stations[op].size();
        sun /= stations[op].size();
      }
      const double renewable = std::clamp(12 + 55 * wind + 35 * sun, 5.0, 95.0);
      const double generation =
          load_mw * (1.0 + rng.Normal(0, 0.015)) + 0.05 * renewable * capacity / 100;
      voltage_walk = std::clamp(0.95 * voltage_walk + rng.Normal(0, 0.4), -8.0, 8.0);
      const double frequency = day.frequency_hz[op][minute] + rng.Normal(0, 0.001);
      const double stability = std::clamp(
          1.0 - 4.0 * std::abs(frequency - 50) - std::max(0.0, load_mw / capacity - 0.85) * 3, 0.0,
          1.0);
      if (t < from_ms || t >= to_ms) continue;
      Row row;
      row.source = static_cast<int>(op);
      row.timestamp_ms = t;
      row.release_ms = t;
      row.Set(kFrequency, RoundToStep(frequency, 0.001));
      row.Set(kVoltage, RoundToStep(400 + voltage_walk, 0.1));
      row.Set(kLoad, RoundToStep(load_mw, 0.1));
      row.Set(kGeneration, RoundToStep(generation, 0.1));
      row.Set(kRenewable, RoundToStep(renewable, 0.1));
      row.Set(kAvailable, RoundToStep(capacity - load_mw, 0.1));
      row.Set(kStability, RoundToStep(stability, 0.001));
      rows.push_back(row);
    }
  }
  return rows;
}

}  // namespace metrify::simulate
