#include "simulate/faults.h"

#include <algorithm>
#include <cmath>

#include "simulate/rng.h"

namespace metrify::simulate {

namespace {
constexpr int64_t kQuarterMs = 900'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kSlots = 96;

// A window of `slots` readings starting at a random slot of the day, inside it.
Fault Window(Rng& rng, FaultKind kind, int source, int64_t day, int slots) {
  Fault f{kind, source};
  const int first = static_cast<int>(rng.Below(kSlots - slots + 1));
  f.start_ms = day * kDayMs + (first + 1) * kQuarterMs;  // timestamps are interval ends
  f.end_ms = f.start_ms + slots * kQuarterMs;
  return f;
}
}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kGap:
      return "gap";
    case FaultKind::kSpike:
      return "spike";
    case FaultKind::kStuck:
      return "stuck";
    case FaultKind::kRollover:
      return "rollover";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kDuplicate:
      return "duplicate";
    case FaultKind::kLate:
      return "late";
    case FaultKind::kClockDrift:
      return "clock_drift";
    case FaultKind::kVoltageExcursion:
      return "voltage_excursion";
    case FaultKind::kSilent:
      return "silent";
    case FaultKind::kFrequencyExcursion:
      return "frequency_excursion";
  }
  return "unknown";
}

std::vector<Fault> FaultPlan::MeterDay(int meter, int64_t day) const {
  if (rate_ <= 0) return {};
  Rng rng(seed_, Stream::kFaultPlan, {meter, day});
  if (!rng.Chance(rate_)) return {};
  // Rollovers are planned per meter (RolloverOf); the other nine kinds here.
  int pick = static_cast<int>(rng.Below(kMeterFaultKinds - 1));
  if (pick >= static_cast<int>(FaultKind::kRollover)) ++pick;
  const auto kind = static_cast<FaultKind>(pick);
  Fault f;
  switch (kind) {
    case FaultKind::kGap:
      f = Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(16)));
      break;
    case FaultKind::kSpike:
      f = Window(rng, kind, meter, day, 1);
      f.magnitude = rng.Uniform(8, 20);
      break;
    case FaultKind::kStuck:
      f = Window(rng, kind, meter, day, 8 + static_cast<int>(rng.Below(41)));
      break;
    case FaultKind::kReset:
      f = Window(rng, kind, meter, day, 1);
      break;
    case FaultKind::kDuplicate:
      f = Window(rng, kind, meter, day, 1);
      break;
    case FaultKind::kLate:
      f = Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(8)));
      f.magnitude = std::round(rng.Uniform(2, 24) * 4) * kQuarterMs;  // delay, ms
      break;
    case FaultKind::kClockDrift:
      f = Window(rng, kind, meter, day, 4 + static_cast<int>(rng.Below(29)));
      f.magnitude = std::round(rng.Uniform(5, 30));  // seconds ahead per reading
      break;
    case FaultKind::kVoltageExcursion:
      f = Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(8)));
      f.magnitude = rng.Chance(0.5) ? rng.Uniform(255, 265) : rng.Uniform(185, 198);
      break;
    case FaultKind::kSilent:
      f = Window(rng, kind, meter, day, 1);
      break;
    default:
      return {};
  }
  return {f};
}

std::vector<Fault> FaultPlan::OperatorDay(int op, int64_t day) const {
  if (rate_ <= 0) return {};
  Rng rng(seed_, Stream::kFaultPlan, {-1 - op, day});
  if (!rng.Chance(std::min(1.0, rate_ * 10))) return {};
  Fault f{FaultKind::kFrequencyExcursion, op};
  // Minutes, not quarter hours: a frequency event lasts 2-15 minutes.
  const int64_t minute = static_cast<int64_t>(rng.Below(1440 - 15));
  f.start_ms = day * kDayMs + minute * 60'000;
  f.end_ms = f.start_ms + (2 + static_cast<int64_t>(rng.Below(14))) * 60'000;
  f.magnitude = rng.Chance(0.5) ? rng.Uniform(49.30, 49.45) : rng.Uniform(50.55, 50.70);
  return {f};
}

std::vector<Fault> FaultPlan::RolloverOf(int meter, int64_t first_day, int64_t last_day) const {
  if (rate_ <= 0 || last_day < first_day) return {};
  Rng rng(seed_, Stream::kFaultPlan, {meter, -1});
  // The same chance per meter-day as the other kinds get each.
  const double days = static_cast<double>(last_day - first_day + 1);
  if (!rng.Chance(std::min(1.0, rate_ / kMeterFaultKinds * days))) return {};
  const int64_t day = first_day + static_cast<int64_t>(rng.Below(last_day - first_day + 1));
  return {Window(rng, FaultKind::kRollover, meter, day, 1)};
}

}  // namespace metrify::simulate
