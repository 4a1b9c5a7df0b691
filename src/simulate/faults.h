// Fault injection: which faults the simulated fleet suffers, when, and the
// ground truth written to faults.csv. Planned per (meter, UTC day) from the
// seed: with probability `rate` a meter-day starts one fault, of a kind drawn
// uniformly, inside that day, so a meter's faults never overlap (a silent
// meter's last one lasts to the end). Every fault is drawn to show in the
// output (src/simulate/fault_truth_test.cc checks it). Grid operators get
// frequency excursions the same way (rate x 10 per operator-day: there are
// only four of them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace metrify::simulate {

enum class FaultKind {
  kGap,                 // readings of the window are missing
  kSpike,               // one reading's energy is 8-20 times the true value (*)
  kStuck,               // every value frozen at the reading before the window
  kRollover,            // the register passes its limit and restarts near zero
  kReset,               // the register restarts from zero (meter exchanged) and counts on
  kDuplicate,           // one reading is sent twice
  kLate,                // the window's readings arrive 2-24 hours late
  kClockDrift,          // timestamps of the window run ahead, off the quarter-hour grid
  kVoltageExcursion,    // voltage above 253 V or below 200 V
  kSilent,              // the meter sends nothing more from the window's start
  kFrequencyExcursion,  // a grid operator's frequency leaves 49.5-50.5 Hz (its meters see it)
};
inline constexpr int kMeterFaultKinds = 10;  // kGap..kSilent
// (*) or, if the meter drew nothing in the interval, 8-20 times its mean
// quarter hour (annual energy / 35,040), so that the spike shows.

std::string_view FaultKindName(FaultKind kind);

struct Fault {
  FaultKind kind;
  int source = 0;        // meter index, or operator index for kFrequencyExcursion
  int64_t start_ms = 0;  // first affected interval END (a reading's timestamp)
  int64_t end_ms = 0;    // last affected reading's timestamp + 1 quarter hour (exclusive)
  double magnitude = 0;  // spike factor, voltage, frequency, drift s per reading, delay ms
};

class FaultPlan {
 public:
  FaultPlan(uint64_t seed, double rate) : seed_(seed), rate_(rate) {}

  // The fault of meter `meter` starting on UTC day `day` (days since epoch),
  // if any. A day that draws a rollover returns none here (see RolloverOf).
  std::vector<Fault> MeterDay(int meter, int64_t day) const;
  // Frequency excursions of operator `op` starting on `day`.
  std::vector<Fault> OperatorDay(int op, int64_t day) const;
  // The meter's rollover, if it has one: on the first day in [first_day,
  // last_day] that draws one, unless an earlier day draws a reset or
  // silence (the register would not roll there, or no one would see it).
  // The simulator gives the meter the register start that rolls over in
  // exactly that interval, so it asks before the run.
  std::vector<Fault> RolloverOf(int meter, int64_t first_day, int64_t last_day) const;

  double rate() const { return rate_; }

 private:
  uint64_t seed_;
  double rate_;
};

}  // namespace metrify::simulate
