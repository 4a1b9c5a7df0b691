// MeterHistory: what a meter measured before and in a window, for the
// similar-day estimate (estimation.h: the same local time on the same
// weekday in the last weeks). The window's own raw readings answer for
// their intervals; older intervals are read from the engine once, on the
// first question about them (most windows estimate nothing), keeping the
// raw energies the overlay did not mark as anything but MEASURED.
//
// Not thread-safe: one window's helper.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "store/series_store.h"
#include "vee/validator.h"

namespace metrify::vee {

class MeterHistory {
 public:
  // `window` are the window's raw readings, ascending, from `window_from_ms`
  // on; `lookback_ms` how far before it the estimate may look. All must
  // outlive the history.
  MeterHistory(const store::SeriesStore& engine, uint32_t key, int64_t window_from_ms,
               std::span<const RawReading> window, int64_t lookback_ms);

  // The measured energy of the interval ending at `end_ms`; nullopt when
  // unknown (nothing came, refused, estimated, or the engine failed).
  std::optional<double> At(int64_t end_ms);

 private:
  void LoadOlder();

  const store::SeriesStore& engine_;
  uint32_t key_;
  int64_t window_from_ms_;
  std::span<const RawReading> window_;
  int64_t lookback_ms_;
  bool loaded_ = false;
  std::vector<std::pair<int64_t, double>> older_;  // (end, kWh), ascending
};

}  // namespace metrify::vee
