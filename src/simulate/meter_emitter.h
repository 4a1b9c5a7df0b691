// MeterEmitter: turns a meter's true day into the readings it sends, with
// its faults applied, and carries what lasts from one interval to the next:
// the register (with rollover and reset), a silent meter staying silent,
// the values a stuck meter keeps repeating.
#pragma once

#include <cstdint>
#include <vector>

#include "simulate/faults.h"
#include "simulate/fleet.h"
#include "simulate/meter_model.h"
#include "simulate/rows.h"

namespace metrify::simulate {

struct MeterState {
  int64_t register_wh = 0;  // the register's reading, already rolled over
  int64_t limit_wh = 0;
  bool silent = false;
  bool has_last = false;
  Row last;  // the last reading as it would have been sent without faults
};

// Field indices of a reading (model/series.h order).
namespace reading_field {
inline constexpr int kEnergy = 0, kExport = 1, kRegister = 2, kVoltage = 3, kCurrent = 4,
                     kPowerFactor = 5, kFrequency = 6, kActivePower = 7, kReactivePower = 8;
}

// Emits the readings of intervals [first, last) of `day` for meter `index`
// into `out` (on time, in timestamp order) and `late` (release later than
// the timestamp), applying `faults` (the meter's faults touching this day).
void EmitMeterIntervals(int index, const SimMeter& meter, const TrueDay& truth,
                        const DayContext& day, const std::vector<Fault>& faults, int first,
                        int last, MeterState& state, std::vector<Row>& out, std::vector<Row>& late);

}  // namespace metrify::simulate
