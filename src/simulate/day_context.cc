#include "simulate/day_context.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reference/load_profile.h"
#include "simulate/rng.h"

namespace metrify::simulate {

namespace {

// The local (Europe/Berlin) date and quarter-hour slot in which each UTC
// interval of the day starts. On DST days two UTC intervals share a local
// slot (October) or a local hour is skipped (March), as a real meter sees.
struct LocalSlot {
  date::year_month_day day;
  int slot;
};
std::array<LocalSlot, kSlots> LocalSlots(int64_t start_ms) {
  static const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
  std::array<LocalSlot, kSlots> out{};
  for (int i = 0; i < kSlots; ++i) {
    const date::sys_time<std::chrono::milliseconds> begin{
        std::chrono::milliseconds{start_ms + i * kQuarterMs}};
    const auto local = berlin->to_local(begin);
    const auto local_day = date::floor<date::days>(local);
    out[i].day = date::year_month_day{local_day};
    out[i].slot = static_cast<int>(
        std::chrono::duration_cast<std::chrono::minutes>(local - local_day).count() / 15);
  }
  return out;
}

// The synchronous area's frequency, minute by minute: a mean-reverting walk
// around 50 Hz, drawn per day (each day starts from the walk's spread).
std::array<double, kMinutes> AreaFrequency(uint64_t seed, int64_t day) {
  Rng rng(seed, Stream::kFrequency, {day});
  std::array<double, kMinutes> f{};
  double x = rng.Normal(0, 0.02);
  for (double& v : f) {
    x = std::clamp(0.9 * x + rng.Normal(0, 0.009), -0.12, 0.12);
    v = 50 + x;
  }
  return f;
}

}  // namespace

double DayContext::FrequencyAt(int op, int64_t t) const {
  const int64_t minute = std::clamp<int64_t>((t - start_ms) / 60'000, 0, kMinutes - 1);
  return frequency_hz[op][minute];
}

Result<DayContext> MakeDayContext(int64_t day, const Fleet& fleet, const WeatherModel& weather,
                                  const FaultPlan& faults, uint64_t seed) {
  DayContext c;
  c.day = day;
  c.start_ms = day * kDayMs;
  const std::array<LocalSlot, kSlots> slots = LocalSlots(c.start_ms);
  for (const SimMeter& m : fleet.meters) {
    if (c.per_kwh.count(m.profile)) continue;
    const reference::LoadProfile* profile = reference::LoadProfile::Find(m.profile);
    if (profile == nullptr) {
      return Status::InvalidArgument(fmt::format("unknown load profile \"{}\"", m.profile));
    }
    DaySeries& series = c.per_kwh[m.profile];
    for (int i = 0; i < kSlots; ++i) {
      series[i] = profile->QuarterHourKwh(slots[i].day, slots[i].slot, 1.0);
    }
  }
  c.solar_wm2.resize(fleet.stations.size());
  for (size_t s = 0; s < fleet.stations.size(); ++s) {
    for (int i = 0; i < kSlots; ++i) {
      // The mean over the interval from its two ends.
      const int64_t begin = c.start_ms + i * kQuarterMs;
      c.solar_wm2[s][i] =
          0.5 * (weather.At(static_cast<int>(s), begin).solar_radiation_wm2 +
                 weather.At(static_cast<int>(s), begin + kQuarterMs).solar_radiation_wm2);
    }
  }
  const std::array<double, kMinutes> area = AreaFrequency(seed, day);
  c.frequency_hz.assign(fleet.operators.size(), area);
  for (size_t op = 0; op < fleet.operators.size(); ++op) {
    for (const Fault& f : faults.OperatorDay(static_cast<int>(op), day)) {
      c.operator_faults.push_back(f);
      for (int64_t t = f.start_ms; t < f.end_ms; t += 60'000) {
        c.frequency_hz[op][(t - c.start_ms) / 60'000] = f.magnitude;
      }
    }
  }
  return c;
}

}  // namespace metrify::simulate
