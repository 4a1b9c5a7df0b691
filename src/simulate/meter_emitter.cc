#include "simulate/meter_emitter.h"

#include <cmath>

namespace metrify::simulate {

namespace {

using namespace reading_field;

const Fault* FaultAt(const std::vector<Fault>& faults, FaultKind kind, int64_t t) {
  for (const Fault& f : faults) {
    if (f.kind == kind && t >= f.start_ms && t < f.end_ms) return &f;
  }
  return nullptr;
}

Row CleanRow(int index, const SimMeter& meter, const TrueInterval& r, int64_t t,
             const MeterState& state) {
  Row row;
  row.source = index;
  row.timestamp_ms = t;
  row.release_ms = t;
  row.Set(kEnergy, r.import_wh / 1000.0);
  if (meter.pv_kwp > 0) row.Set(kExport, r.export_wh / 1000.0);
  row.Set(kRegister, state.register_wh / 1000.0);
  row.Set(kVoltage, r.voltage_v);
  row.Set(kCurrent, r.current_a);
  row.Set(kPowerFactor, r.power_factor);
  row.Set(kFrequency, r.frequency_hz);
  row.Set(kActivePower, r.active_power_kw);
  row.Set(kReactivePower, r.reactive_power_kvar);
  return row;
}

}  // namespace

void EmitMeterIntervals(int index, const SimMeter& meter, const TrueDay& truth,
                        const DayContext& day, const std::vector<Fault>& faults, int first,
                        int last, MeterState& state, std::vector<Row>& out,
                        std::vector<Row>& late) {
  for (int i = first; i < last; ++i) {
    const int64_t t = day.start_ms + (i + 1) * kQuarterMs;
    const TrueInterval& r = truth[i];
    // A run starting mid-day has sent nothing yet: the reading a stuck
    // window repeats is the day's previous interval, as measured. (Stuck
    // windows never start at a day's first reading, so i > 0 there.)
    if (!state.has_last && i > 0) {
      state.last = CleanRow(index, meter, truth[i - 1], t - kQuarterMs, state);
      state.has_last = true;
    }
    // The register counts what flowed whatever the meter sends.
    if (FaultAt(faults, FaultKind::kReset, t)) {
      state.register_wh = r.import_wh;
    } else {
      state.register_wh = (state.register_wh + r.import_wh) % state.limit_wh;
    }
    const Row clean = CleanRow(index, meter, r, t, state);
    if (FaultAt(faults, FaultKind::kSilent, t)) state.silent = true;
    if (state.silent || FaultAt(faults, FaultKind::kGap, t)) {
      if (!FaultAt(faults, FaultKind::kStuck, t)) {
        state.last = clean;
        state.has_last = true;
      }
      continue;
    }
    Row row = clean;
    if (FaultAt(faults, FaultKind::kStuck, t) && state.has_last) {
      row = state.last;
      row.timestamp_ms = t;
      row.release_ms = t;
    } else {
      state.last = clean;
      state.has_last = true;
    }
    if (const Fault* f = FaultAt(faults, FaultKind::kSpike, t)) {
      // An interval that drew nothing (a prosumer exporting) would hide the
      // spike: it multiplies the meter's mean quarter hour instead.
      const double kwh = row.values[kEnergy] > 0 ? row.values[kEnergy] : meter.annual_kwh / 35040;
      row.Set(kEnergy, std::round(kwh * f->magnitude * 1000) / 1000);
    }
    if (const Fault* f = FaultAt(faults, FaultKind::kVoltageExcursion, t)) {
      row.Set(kVoltage, std::round(f->magnitude * 10) / 10);
    }
    if (const Fault* f = FaultAt(faults, FaultKind::kClockDrift, t)) {
      const int64_t k = (t - f->start_ms) / kQuarterMs + 1;
      row.timestamp_ms = t + k * static_cast<int64_t>(f->magnitude) * 1000;
      row.release_ms = row.timestamp_ms;
    }
    if (const Fault* f = FaultAt(faults, FaultKind::kLate, t)) {
      row.release_ms = t + static_cast<int64_t>(f->magnitude);
      late.push_back(row);
      continue;
    }
    out.push_back(row);
    if (FaultAt(faults, FaultKind::kDuplicate, t)) out.push_back(row);
  }
}

}  // namespace metrify::simulate
