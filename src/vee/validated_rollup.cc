#include "vee/validated_rollup.h"

#include <algorithm>
#include <cmath>

#include "vee/overlay.h"
#include "vee/validated_view.h"

namespace metrify::vee {

namespace {

constexpr int kMissing = static_cast<int>(ValueStatus::kMissing);
constexpr int kMeasured = static_cast<int>(ValueStatus::kMeasured);

double RawEnergyOf(const engine::HeadSample& s) {
  return (s.present >> overlay_field::kRawEnergy) & 1u ? s.values[overlay_field::kRawEnergy] : NAN;
}

}  // namespace

Status CorrectToValidated(const store::SeriesStore& engine, uint32_t key,
                          std::span<const int64_t> edges, int energy_field,
                          std::vector<query::BucketValue>* buckets,
                          std::vector<StatusCounts>* counts,
                          std::vector<engine::HeadSample>* overlay) {
  overlay->clear();
  // Interval ends in (first edge, last edge]: one more millisecond.
  METRIFY_RETURN_IF_ERROR(engine.ReadLatest({model::SeriesKind::kVeeOverlay, key}, edges.front(),
                                            edges.back() + 1, overlay));
  ApplyOverlay(*overlay, edges, energy_field, buckets, counts);
  return Status::Ok();
}

void ApplyOverlay(std::span<const engine::HeadSample> overlay, std::span<const int64_t> edges,
                  int energy_field, std::vector<query::BucketValue>* buckets,
                  std::vector<StatusCounts>* counts) {
  counts->assign(buckets->size(), StatusCounts{});
  // The raw count took every reading in the bucket as measured.
  std::vector<int64_t> measured(buckets->size());
  for (size_t i = 0; i < buckets->size(); ++i) measured[i] = (*buckets)[i].count;
  for (const engine::HeadSample& s : overlay) {
    // An interval belongs to the bucket its end closes (query/aggregate.h).
    auto it = std::lower_bound(edges.begin(), edges.end(), s.timestamp_ms);
    if (it == edges.begin() || it == edges.end()) continue;
    const size_t i = static_cast<size_t>(it - edges.begin() - 1);
    const ValidatedInterval row = FromOverlay(s);
    const double raw = RawEnergyOf(s);
    const bool had = !std::isnan(raw);
    // A mark off the grid only takes back the raw reading stamped there: the
    // row of the interval it was snapped to counts it (or not).
    const bool off_grid = s.interval_s > 0 && s.timestamp_ms % (int64_t{s.interval_s} * 1000) != 0;
    const bool has = !off_grid && CountsInRollups(row.status) && !std::isnan(row.energy_kwh);
    query::BucketValue& b = (*buckets)[i];
    const double before = (b.present >> energy_field) & 1u ? b.values[energy_field] : 0;
    b.values[energy_field] = before + (has ? row.energy_kwh : 0) - (had ? raw : 0);
    b.present |= static_cast<uint16_t>(1u << energy_field);
    b.count = static_cast<uint32_t>(int64_t{b.count} + has - had);
    measured[i] += (!off_grid && row.status == ValueStatus::kMeasured) - had;
    if (!off_grid && row.status != ValueStatus::kMeasured) {
      ++(*counts)[i][static_cast<int>(row.status)];
    }
  }
  for (size_t i = 0; i < buckets->size(); ++i) {
    query::BucketValue& b = (*buckets)[i];
    StatusCounts& c = (*counts)[i];
    c[kMeasured] = static_cast<uint32_t>(std::max<int64_t>(0, measured[i]));
    uint32_t known = 0;
    for (int s = 0; s < kValueStatuses; ++s) known += s == kMissing ? 0 : c[s];
    c[kMissing] = b.expected > known ? b.expected - known : 0;
    if (b.count == 0) {  // nothing validated: a gap, not zero
      b.values[energy_field] = NAN;
      b.present &= static_cast<uint16_t>(~(1u << energy_field));
    }
  }
}

}  // namespace metrify::vee
