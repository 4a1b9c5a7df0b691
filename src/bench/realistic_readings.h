// Realistic smart-meter readings for the benchmarks (codec_bench,
// segment_bench): N meters × D days of quarter-hour readings from
// 2025-01-15 UTC, about 0.5% of readings missing (gaps in all fields) and
// 1 meter in 200 with a several-hour outage. Per reading:
//   energy_kwh    BDEW H0-like winter load shape × the meter's annual use
//                 (lognormal around 3,000 kWh) × lognormal noise, plus random
//                 appliance bursts; rounded to 0.001 kWh (meter resolution)
//   voltage_v     mean-reverting random walk around 230 V, rounded to 0.1 V
//   frequency_hz  one grid-wide walk around 50 Hz (±0.05) plus per-meter
//                 measurement noise, rounded to 0.01 Hz
//   power_factor  per-meter base in 0.92-0.99, load-dependent, noisy,
//                 clipped to 0.85-1.0, rounded to 0.001
// Benchmark data, shared by the bench/ programs and `metrify bench`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace metrify::bench {

struct Series {
  std::vector<int64_t> timestamps;
  std::vector<double> energy, voltage, frequency, power_factor;
};

inline constexpr int64_t kStartMs = 1736899200000;  // 2025-01-15T00:00:00Z
inline constexpr int64_t kQuarterHourMs = 900000;
inline constexpr int kSlotsPerDay = 96;

// Average watts per 1,000 kWh of annual use, hour by hour (shape of the BDEW
// H0 household profile on a winter weekday).
inline constexpr double kH0Watts[24] = {67,  55,  49,  47,  47,  51,  75,  110, 120, 115, 113, 118,
                                        130, 125, 113, 107, 113, 140, 172, 175, 160, 140, 115, 87};

// Rounds to `decimals` places the way a parser reads "230.1": n / 10^d.
inline double RoundTo(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

inline double ShapeAt(int slot) {
  const double hour = slot / 4.0;
  const int h0 = static_cast<int>(hour) % 24;
  const double frac = hour - std::floor(hour);
  return kH0Watts[h0] * (1 - frac) + kH0Watts[(h0 + 1) % 24] * frac;
}

inline std::vector<double> GridFrequency(int slots, std::mt19937_64& rng) {
  std::normal_distribution<double> step(0, 0.008);
  std::vector<double> f(slots);
  double x = 0;
  for (double& v : f) {
    x = std::clamp(0.85 * x + step(rng), -0.05, 0.05);
    v = 50 + x;
  }
  return f;
}

inline Series GenerateMeter(const std::vector<double>& grid, std::mt19937_64& rng) {
  std::normal_distribution<double> gauss(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  const double annual_kwh = std::clamp(3000 * std::exp(0.45 * gauss(rng)), 800.0, 12000.0);
  const double pf_base = 0.92 + 0.07 * unit(rng);
  double volts = std::clamp(230 + 1.5 * gauss(rng), 226.0, 234.0);
  const int slots = static_cast<int>(grid.size());
  int outage_start = -1, outage_len = 0;
  if (unit(rng) < 0.005) {
    outage_start = static_cast<int>(unit(rng) * slots);
    outage_len = 8 + static_cast<int>(unit(rng) * 24);
  }
  Series s;
  for (int i = 0; i < slots; ++i) {
    volts = std::clamp(volts + 0.1 * (230 - volts) + 0.25 * gauss(rng), 224.0, 236.0);
    const bool in_outage = i >= outage_start && i < outage_start + outage_len;
    if (in_outage || unit(rng) < 0.005) continue;  // a missing reading
    const double mean_kwh = ShapeAt(i % kSlotsPerDay) * annual_kwh / 1000 / 1000 * 0.25;
    double kwh = mean_kwh * std::exp(0.35 * gauss(rng) - 0.06);
    if (unit(rng) < 0.08) kwh += 0.05 + 0.35 * unit(rng);  // kettle, oven, washer
    kwh = std::clamp(kwh, 0.005, 1.5);
    const double load = kwh / (mean_kwh + 1e-9);
    const double pf = pf_base + 0.01 * std::tanh(load - 1) + 0.006 * gauss(rng);
    s.timestamps.push_back(kStartMs + i * kQuarterHourMs);
    s.energy.push_back(RoundTo(kwh, 3));
    s.voltage.push_back(RoundTo(volts, 1));
    s.frequency.push_back(RoundTo(grid[i] + 0.004 * gauss(rng), 2));
    s.power_factor.push_back(RoundTo(std::clamp(pf, 0.85, 1.0), 3));
  }
  return s;
}

// `meters` meters × `days` days of quarter-hour readings from kStartMs,
// deterministic for a given seed.
inline std::vector<Series> Generate(int meters, int days, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto grid = GridFrequency(days * kSlotsPerDay, rng);
  std::vector<Series> out;
  out.reserve(meters);
  for (int m = 0; m < meters; ++m) out.push_back(GenerateMeter(grid, rng));
  return out;
}
}  // namespace metrify::bench
