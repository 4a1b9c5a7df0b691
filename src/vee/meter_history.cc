#include "vee/meter_history.h"

#include <algorithm>

#include "vee/overlay.h"

namespace metrify::vee {

namespace {

constexpr int kEnergy = 0;

}  // namespace

MeterHistory::MeterHistory(const store::SeriesStore& engine, uint32_t key, int64_t window_from_ms,
                           std::span<const RawReading> window, int64_t lookback_ms)
    : engine_(engine),
      key_(key),
      window_from_ms_(window_from_ms),
      window_(window),
      lookback_ms_(lookback_ms) {}

std::optional<double> MeterHistory::At(int64_t end_ms) {
  if (end_ms >= window_from_ms_) {
    auto it = std::lower_bound(window_.begin(), window_.end(), end_ms,
                               [](const RawReading& r, int64_t t) { return r.timestamp_ms < t; });
    if (it == window_.end() || it->timestamp_ms != end_ms || !it->Has(kEnergy)) {
      return std::nullopt;
    }
    return it->values[kEnergy];
  }
  if (!loaded_) LoadOlder();
  auto it = std::lower_bound(older_.begin(), older_.end(), end_ms,
                             [](const auto& e, int64_t t) { return e.first < t; });
  if (it == older_.end() || it->first != end_ms) return std::nullopt;
  return it->second;
}

void MeterHistory::LoadOlder() {
  loaded_ = true;
  const int64_t from = window_from_ms_ - lookback_ms_;
  std::vector<engine::HeadSample> raw, overlay;
  if (!engine_.ReadLatest({model::SeriesKind::kReading, key_}, from, window_from_ms_, &raw).ok() ||
      !engine_.ReadLatest({model::SeriesKind::kVeeOverlay, key_}, from, window_from_ms_, &overlay)
           .ok()) {
    return;  // no history: the estimate falls to the next method
  }
  auto o = overlay.begin();
  older_.reserve(raw.size());
  for (const engine::HeadSample& s : raw) {
    if (!((s.present >> kEnergy) & 1u)) continue;
    while (o != overlay.end() && o->timestamp_ms < s.timestamp_ms) ++o;
    if (o != overlay.end() && o->timestamp_ms == s.timestamp_ms) {
      const ValidatedInterval row = FromOverlay(*o);
      if (row.status != ValueStatus::kMeasured) continue;  // refused, estimated, edited
    }
    older_.emplace_back(s.timestamp_ms, s.values[kEnergy]);
  }
}

}  // namespace metrify::vee
