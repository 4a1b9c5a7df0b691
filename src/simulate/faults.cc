#include "simulate/faults.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "simulate/rng.h"

namespace metrify::simulate {

namespace {
constexpr int64_t kQuarterMs = 900'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kSlots = 96;

// A window of `slots` readings at a random slot of the day, inside it,
// leaving at least `before` of the day's readings before it and `after`
// after it.
Fault Window(Rng& rng, FaultKind kind, int source, int64_t day, int slots, int before = 0,
             int after = 0) {
  Fault f{kind, source};
  const int first = before + static_cast<int>(rng.Below(kSlots - slots - before - after + 1));
  f.start_ms = day * kDayMs + (first + 1) * kQuarterMs;  // timestamps are interval ends
  f.end_ms = f.start_ms + slots * kQuarterMs;
  return f;
}

// The kind of fault a meter-day starts, if any, from the meter-day's stream
// (which goes on to draw the fault's window and magnitude).
std::optional<FaultKind> DrawKind(Rng& rng, double rate) {
  if (!rng.Chance(rate)) return std::nullopt;
  return static_cast<FaultKind>(rng.Below(kMeterFaultKinds));
}

// The window and magnitude of a meter fault of `kind` starting on `day`.
// Every fault must show in the output (the ground truth is only useful if
// it is visible), hence the margins and limits below.
Fault DrawFault(Rng& rng, FaultKind kind, int meter, int64_t day) {
  Fault f;
  switch (kind) {
    case FaultKind::kGap:
      return Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(16)));
    case FaultKind::kSpike:
      f = Window(rng, kind, meter, day, 1);
      f.magnitude = rng.Uniform(8, 20);
      return f;
    case FaultKind::kStuck:
      // Not from the day's first reading: the reading it repeats lies in the
      // same day, so the emitter has it even where the run starts.
      return Window(rng, kind, meter, day, 8 + static_cast<int>(rng.Below(41)), 1);
    case FaultKind::kLate:
      // Never the day's last reading: that one comes on time, before any
      // late one is due, so every late reading arrives after a later
      // reading of its meter.
      f = Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(8)), 0, 1);
      f.magnitude = std::round(rng.Uniform(2, 24) * 4) * kQuarterMs;  // delay, ms
      return f;
    case FaultKind::kClockDrift: {
      const int slots = 4 + static_cast<int>(rng.Below(29));
      f = Window(rng, kind, meter, day, slots);
      // The k-th reading runs k x magnitude seconds ahead: always less than a
      // quarter hour, so it is off the grid and the series stays in order.
      const int most = std::min(30, (900 - 1) / slots);
      f.magnitude = 5 + static_cast<double>(rng.Below(most - 5 + 1));  // seconds per reading
      return f;
    }
    case FaultKind::kVoltageExcursion:
      f = Window(rng, kind, meter, day, 1 + static_cast<int>(rng.Below(8)));
      f.magnitude = rng.Chance(0.5) ? rng.Uniform(255, 265) : rng.Uniform(185, 198);
      return f;
    case FaultKind::kRollover:
      // Not the day's first reading either: the reading before, with the
      // register just short of its limit, is then sent as it is.
      return Window(rng, kind, meter, day, 1, 1);
    default:  // reset, duplicate, silent: one reading
      return Window(rng, kind, meter, day, 1);
  }
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
  const std::optional<FaultKind> kind = DrawKind(rng, rate_);
  // A day drawing a rollover has that as its one fault (see RolloverOf).
  if (!kind || *kind == FaultKind::kRollover) return {};
  return {DrawFault(rng, *kind, meter, day)};
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
  if (rate_ <= 0) return {};
  // The first day drawing a rollover, so no other fault of the meter shares
  // its day. A reset or silence before it ends the search: after a reset the
  // register would no longer reach its limit there, and after silence no
  // one sees it, yet the register start planned for it would still differ.
  for (int64_t day = first_day; day <= last_day; ++day) {
    Rng rng(seed_, Stream::kFaultPlan, {meter, day});
    const std::optional<FaultKind> kind = DrawKind(rng, rate_);
    if (kind == FaultKind::kRollover) return {DrawFault(rng, *kind, meter, day)};
    if (kind == FaultKind::kReset || kind == FaultKind::kSilent) return {};
  }
  return {};
}

}  // namespace metrify::simulate
