// Test data for the engine's tests (readings_engine_test, backup_test):
// quarter-hour readings of numbered meters, values derived from meter and
// slot so reads can be checked.
#pragma once

#include <cstdint>
#include <vector>

#include "store/engine/readings_engine.h"
#include "store/engine/wal/sample_batch.h"

namespace metrify::engine::test_support {

inline constexpr int64_t kQuarter = 900'000;
inline constexpr int64_t kDay = 86'400'000;
inline constexpr int64_t kJan15 = 1736899200000;  // 2025-01-15T00:00:00Z
inline constexpr auto kReading = model::SeriesKind::kReading;

// One quarter-hour energy reading.
inline wal::WalSample Reading(uint32_t meter, int64_t ts, double kwh) {
  wal::WalSample s;
  s.entity_key = meter;
  s.timestamp_ms = ts;
  s.interval_s = 900;
  s.present = 1;
  s.values[0] = kwh;
  return s;
}

// One UTC day of readings of meters 1..`meters` (00:00 to 23:45, so all in
// the day's partition); meter m's slot s is m + (s + 1) / `divisor` + offset.
inline std::vector<wal::WalSample> Day(int64_t day_start, uint32_t meters, double offset = 0,
                                       double divisor = 1000) {
  std::vector<wal::WalSample> out;
  for (int slot = 0; slot < 96; ++slot) {
    for (uint32_t m = 1; m <= meters; ++m) {
      out.push_back(Reading(m, day_start + slot * kQuarter, m + (slot + 1) / divisor + offset));
    }
  }
  return out;
}

// Options for tests that drive flushes themselves.
inline EngineOptions ManualFlushOptions() {
  EngineOptions o;
  o.background_flush = false;
  return o;
}

}  // namespace metrify::engine::test_support
