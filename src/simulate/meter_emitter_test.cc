// MeterEmitter cases a simulated fleet meets only by chance: what keeps a
// stuck window at a run's first reading and a spike on an interval that
// drew nothing true to faults.csv (fault_truth_test.cc covers the rest).
#include "simulate/meter_emitter.h"

#include <gtest/gtest.h>

namespace metrify::simulate {
namespace {

using namespace reading_field;

constexpr int64_t kDay = 20'000;

// A made-up true day: interval i imports 100 + i Wh at 220 + i / 10 V.
TrueDay Truth() {
  TrueDay truth;
  for (int i = 0; i < kSlots; ++i) {
    truth[i].import_wh = 100 + i;
    truth[i].voltage_v = 220 + i / 10.0;
    truth[i].power_factor = 0.95;
    truth[i].frequency_hz = 50;
  }
  return truth;
}

struct Emitted {
  std::vector<Row> rows, late;
};

// Emits intervals [first, last) of kDay for a fresh meter (register 5 MWh).
Emitted Emit(const SimMeter& meter, const TrueDay& truth, std::vector<Fault> faults, int first,
             int last) {
  DayContext day;
  day.day = kDay;
  day.start_ms = kDay * kDayMs;
  MeterState state;
  state.limit_wh = 100'000'000;
  state.register_wh = 5'000'000;
  Emitted out;
  EmitMeterIntervals(0, meter, truth, day, faults, first, last, state, out.rows, out.late);
  return out;
}

// Interval i's reading timestamp (its end).
int64_t End(int i) { return kDay * kDayMs + (i + 1) * kQuarterMs; }

// A run starting mid-day has sent nothing before a stuck window at its first
// reading; the meter still repeats the interval before, as measured.
TEST(MeterEmitter, AStuckWindowAtTheRunsFirstReadingRepeatsTheIntervalBefore) {
  const Fault stuck{FaultKind::kStuck, 0, End(40), End(48)};
  const Emitted out = Emit(SimMeter{}, Truth(), {stuck}, 40, 50);
  ASSERT_EQ(out.rows.size(), 10u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(out.rows[i].timestamp_ms, End(40 + i));
    EXPECT_DOUBLE_EQ(out.rows[i].values[kEnergy], 0.139);     // interval 39's
    EXPECT_DOUBLE_EQ(out.rows[i].values[kRegister], 5000.0);  // before interval 40
    EXPECT_DOUBLE_EQ(out.rows[i].values[kVoltage], 223.9);
  }
  EXPECT_DOUBLE_EQ(out.rows[8].values[kEnergy], 0.148);  // counting on after the window
  EXPECT_DOUBLE_EQ(out.rows[8].values[kRegister], 5000.0 + (140 + 148) * 9 / 2 / 1000.0);
}

// The true energy multiplied; a prosumer exporting drew nothing, so its
// spike multiplies the meter's mean quarter hour instead, and shows.
TEST(MeterEmitter, ASpikeOnAnIntervalThatDrewNothingMultipliesTheMeanQuarterHour) {
  SimMeter prosumer;
  prosumer.pv_kwp = 6;
  prosumer.annual_kwh = 3504;  // 0.1 kWh a quarter hour
  TrueDay truth = Truth();
  truth[50].import_wh = 0;
  truth[50].export_wh = 700;
  const Emitted out = Emit(
      prosumer, truth,
      {{FaultKind::kSpike, 0, End(49), End(50), 12}, {FaultKind::kSpike, 0, End(50), End(51), 12}},
      49, 51);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(out.rows[0].values[kEnergy], 1.788);  // 0.149 x 12
  EXPECT_DOUBLE_EQ(out.rows[1].values[kEnergy], 1.2);    // 0.1 x 12
  EXPECT_DOUBLE_EQ(out.rows[1].values[kExport], 0.7);
}

}  // namespace
}  // namespace metrify::simulate
