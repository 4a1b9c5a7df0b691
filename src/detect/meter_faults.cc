#include "detect/meter_faults.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/time.h"

namespace metrify::detect {
namespace {

bool Fired(const vee::ValidatedInterval& row, vee::RuleId rule) {
  return (row.fired >> static_cast<int>(rule)) & 1u;
}

// The newest row `rule` fired on, or null.
const vee::ValidatedInterval* NewestFired(std::span<const vee::ValidatedInterval> rows,
                                          vee::RuleId rule) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (Fired(*it, rule)) return &*it;
  }
  return nullptr;
}

alerts::Finding Make(std::string_view rule, const FaultRule& r, std::string_view meter_id,
                     const vee::ValidatedInterval& row, std::string message, double value) {
  alerts::Finding f;
  f.type = "meter_fault";
  f.rule = std::string(rule);
  f.severity = r.severity;
  f.source_kind = alerts::SourceKind::kMeter;
  f.source_id = std::string(meter_id);
  f.message = std::move(message);
  f.at_ms = row.end_ms;
  f.value = value;
  return f;
}

// The register if the row has one, else its energy.
double ShownValue(const vee::ValidatedInterval& row) {
  return std::isnan(row.register_kwh) ? row.energy_kwh : row.register_kwh;
}

}  // namespace

void MeterFaults::NoteRollover(int64_t end_ms) {
  if (std::find(rollovers_.begin(), rollovers_.end(), end_ms) != rollovers_.end()) return;
  rollovers_[next_] = end_ms;
  next_ = static_cast<uint8_t>((next_ + 1) % kKept);
}

int MeterFaults::RolloversWithin(int64_t newest_ms, int64_t window_ms) const {
  return static_cast<int>(std::count_if(rollovers_.begin(), rollovers_.end(), [&](int64_t t) {
    return t != 0 && t <= newest_ms && t > newest_ms - window_ms;
  }));
}

const vee::ValidatedInterval* MeterFaults::StandingRegister(
    std::span<const vee::ValidatedInterval> rows, int intervals) {
  // A register that does not move while the meter says it used energy is a
  // frozen meter (VEE's sum_check sees the same, but also fires on spikes).
  constexpr double kCounted = 0.0005;  // kWh: above the registers' resolution
  const vee::ValidatedInterval* found = nullptr;
  for (const vee::ValidatedInterval& row : rows) {
    if (row.end_ms <= last_end_ms_) standing_ = 0;  // validated again: start over
    const bool measured = row.status == vee::ValueStatus::kMeasured &&
                          std::isfinite(row.register_kwh) && std::isfinite(row.energy_kwh);
    if (measured && row.register_kwh == last_register_ && row.energy_kwh > kCounted) {
      if (++standing_ >= intervals) found = &row;
    } else {
      standing_ = 0;
    }
    last_end_ms_ = row.end_ms;
    last_register_ = measured ? row.register_kwh : NAN;
  }
  return found;
}

void MeterFaults::Observe(std::span<const vee::ValidatedInterval> rows,
                          const MeterFaultRules& rules, std::string_view meter_id,
                          std::vector<Verdict>* out) {
  for (const vee::ValidatedInterval& row : rows) {
    if (Fired(row, vee::RuleId::kRollover)) NoteRollover(row.end_ms);
  }
  const bool working = std::any_of(rows.begin(), rows.end(), [](const auto& row) {
    return row.status == vee::ValueStatus::kMeasured;
  });
  auto verdict = [&](std::string_view rule, const FaultRule& r, std::optional<alerts::Finding> f) {
    if (!r.enabled || (!f && !working)) return;
    out->push_back({rule, std::move(f)});
  };

  std::optional<alerts::Finding> stuck;
  if (const vee::ValidatedInterval* row = NewestFired(rows, vee::RuleId::kFlatLine)) {
    const double v = ShownValue(*row);
    stuck = Make("stuck_register", rules.stuck_register, meter_id, *row,
                 fmt::format("values frozen at {:.6g} kWh up to {} (VEE flat_line)", v,
                             FormatRfc3339(row->end_ms)),
                 v);
  }
  if (!stuck) {
    if (const vee::ValidatedInterval* row = StandingRegister(rows, rules.stuck_intervals)) {
      stuck = Make(
          "stuck_register", rules.stuck_register, meter_id, *row,
          fmt::format("register stuck at {:.6g} kWh for {} intervals up to {} while "
                      "{:.6g} kWh were counted in the last",
                      row->register_kwh, standing_, FormatRfc3339(row->end_ms), row->energy_kwh),
          row->register_kwh);
    }
  } else {
    StandingRegister(rows, rules.stuck_intervals);  // keeps the run's state
  }
  verdict("stuck_register", rules.stuck_register, std::move(stuck));

  std::optional<alerts::Finding> reset;
  if (const vee::ValidatedInterval* row = NewestFired(rows, vee::RuleId::kReset)) {
    const double v = row->register_kwh;
    reset = Make("meter_reset", rules.meter_reset, meter_id, *row,
                 fmt::format("register dropped to {:.6g} kWh at {} without a rollover (reset or "
                             "meter exchange; VEE reset)",
                             v, FormatRfc3339(row->end_ms)),
                 v);
  }
  verdict("meter_reset", rules.meter_reset, std::move(reset));

  std::optional<alerts::Finding> repeated;
  if (const vee::ValidatedInterval* row = NewestFired(rows, vee::RuleId::kRollover)) {
    const int n = RolloversWithin(row->end_ms, rules.rollover_window_ms);
    if (n >= rules.rollover_count) {
      repeated = Make("repeated_rollovers", rules.repeated_rollovers, meter_id, *row,
                      fmt::format("{} register rollovers within {:.3g} days (limit {})", n,
                                  rules.rollover_window_ms / 8.64e7, rules.rollover_count),
                      n);
    }
  }
  verdict("repeated_rollovers", rules.repeated_rollovers, std::move(repeated));
}

}  // namespace metrify::detect
