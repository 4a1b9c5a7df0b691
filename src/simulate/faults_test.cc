// The fault plan's shapes that keep every fault visible in the output
// (faults.h), checked over many meter-days: fault_truth_test.cc checks one
// simulated run end to end, where the rare draws may not occur.
#include "simulate/faults.h"

#include <gtest/gtest.h>

#include <optional>

#include "simulate/day_context.h"

namespace metrify::simulate {
namespace {

constexpr int64_t kDay = 20'000;  // 2024-10-04
constexpr int kMeters = 20'000;   // at rate 1, about 2,000 faults of each kind

// The day's slots (0..95) of a window's first and last reading.
int FirstSlot(const Fault& f) {
  return static_cast<int>((f.start_ms - kDay * kDayMs) / kQuarterMs) - 1;
}
int LastSlot(const Fault& f) {
  return static_cast<int>((f.end_ms - kDay * kDayMs) / kQuarterMs) - 2;
}

// Every meter's fault on kDay, when every meter-day has one.
std::vector<Fault> OneDayOfFaults() {
  const FaultPlan plan(7, 1.0);
  std::vector<Fault> out;
  for (int m = 0; m < kMeters; ++m) {
    for (const Fault& f : plan.MeterDay(m, kDay)) out.push_back(f);
    for (const Fault& f : plan.RolloverOf(m, kDay, kDay)) out.push_back(f);
  }
  return out;
}

TEST(FaultPlan, EveryMeterDayHasOneFaultInsideTheDay) {
  const std::vector<Fault> faults = OneDayOfFaults();
  EXPECT_EQ(faults.size(), static_cast<size_t>(kMeters));
  for (const Fault& f : faults) {
    EXPECT_GE(FirstSlot(f), 0) << FaultKindName(f.kind);
    EXPECT_LE(FirstSlot(f), LastSlot(f)) << FaultKindName(f.kind);
    EXPECT_LT(LastSlot(f), kSlots) << FaultKindName(f.kind);
  }
}

// The reading a stuck window repeats, and the one before a rollover, lie in
// the same day, which has no other fault.
TEST(FaultPlan, StuckWindowsAndRolloversNeverStartAtTheDaysFirstReading) {
  int seen = 0;
  for (const Fault& f : OneDayOfFaults()) {
    if (f.kind != FaultKind::kStuck && f.kind != FaultKind::kRollover) continue;
    ++seen;
    EXPECT_GE(FirstSlot(f), 1) << FaultKindName(f.kind);
  }
  EXPECT_GT(seen, 1000);
}

// The day's last reading comes on time, before any late one is due.
TEST(FaultPlan, LateWindowsNeverHoldTheDaysLastReadingAndAreDueAfterIt) {
  int seen = 0;
  for (const Fault& f : OneDayOfFaults()) {
    if (f.kind != FaultKind::kLate) continue;
    ++seen;
    EXPECT_LT(LastSlot(f), kSlots - 1);
    EXPECT_GE(f.magnitude, 2 * 3'600'000.0);  // 2 h: longer than the window
    EXPECT_GE(f.start_ms + f.magnitude, f.end_ms);
  }
  EXPECT_GT(seen, 1000);
}

// Under a quarter hour ahead: off the grid, and the series stays in order.
TEST(FaultPlan, ClockDriftStaysUnderAQuarterHour) {
  int seen = 0;
  for (const Fault& f : OneDayOfFaults()) {
    if (f.kind != FaultKind::kClockDrift) continue;
    ++seen;
    const int64_t readings = (f.end_ms - f.start_ms) / kQuarterMs;
    EXPECT_GE(f.magnitude, 5);
    EXPECT_LT(readings * static_cast<int64_t>(f.magnitude), 900) << readings << " readings";
  }
  EXPECT_GT(seen, 1000);
}

// A rollover is its day's only fault, and none follows a reset or silence
// (the register would not roll where planned, or no one would see it).
TEST(FaultPlan, ARolloverHasItsDayToItselfAndFollowsNoResetOrSilence) {
  const FaultPlan plan(7, 0.3);
  int rollovers = 0;
  for (int m = 0; m < 5000; ++m) {
    const std::vector<Fault> rollover = plan.RolloverOf(m, kDay, kDay + 9);
    if (rollover.empty()) continue;
    ++rollovers;
    const int64_t day = (rollover[0].start_ms - 1) / kDayMs;
    EXPECT_TRUE(plan.MeterDay(m, day).empty()) << m;
    for (int64_t d = kDay; d < day; ++d) {
      for (const Fault& f : plan.MeterDay(m, d)) {
        EXPECT_NE(f.kind, FaultKind::kReset) << m;
        EXPECT_NE(f.kind, FaultKind::kSilent) << m;
      }
    }
  }
  EXPECT_GT(rollovers, 300);
}

}  // namespace
}  // namespace metrify::simulate
