// EstimateProfile (estimation.h): what a customer with this standard load
// profile and annual energy uses on average in each interval. BDEW profiles
// are tables of local quarter hours, so every interval is placed on the
// meter's wall clock.
#include <algorithm>

#include "common/time.h"
#include "reference/load_profile.h"
#include "vee/estimate_time.h"
#include "vee/estimation.h"

namespace metrify::vee {
namespace {

constexpr int64_t kQuarterMs = 900'000;

// The profile's energy in [start_ms, end_ms): every quarter hour of real
// time the interval overlaps, in proportion to the overlap. Local quarter
// hours line up with UTC ones in every zone whose offset is a multiple of
// 15 minutes (all of them today), so a quarter-hour interval on the grid
// is exactly one slot.
double ProfileKwh(const reference::LoadProfile& profile, const date::time_zone* zone,
                  int64_t start_ms, int64_t end_ms, double annual_kwh) {
  double kwh = 0;
  for (int64_t q = FloorDiv(start_ms, kQuarterMs) * kQuarterMs; q < end_ms; q += kQuarterMs) {
    const int64_t overlap = std::min(end_ms, q + kQuarterMs) - std::max(start_ms, q);
    const LocalQuarter local = LocalQuarterOf(zone, std::max(start_ms, q));
    const double slot_kwh = profile.QuarterHourKwh(local.day, local.slot, annual_kwh);
    kwh += overlap == kQuarterMs ? slot_kwh : slot_kwh * (double(overlap) / kQuarterMs);
  }
  return kwh;
}

}  // namespace

std::optional<Estimate> EstimateProfile(const Gap& gap, const GapContext& context) {
  if (!gap.valid() || !(context.annual_kwh > 0)) return std::nullopt;
  const reference::LoadProfile* profile = reference::LoadProfile::Find(context.load_profile);
  const date::time_zone* zone = FindEstimationZone(context.timezone);
  if (profile == nullptr || zone == nullptr) return std::nullopt;
  Estimate estimate{RuleId::kProfile, std::vector<double>(static_cast<size_t>(gap.count))};
  for (int i = 0; i < gap.count; ++i) {
    const int64_t end_ms = gap.EndMs(i);
    const double kwh =
        ProfileKwh(*profile, zone, end_ms - gap.interval_ms(), end_ms, context.annual_kwh);
    // P25/S25 are net of own generation and dip below zero at noon; the
    // interval energy here is import, which is never negative.
    estimate.kwh[i] = std::max(0.0, kwh);
  }
  return estimate;
}

}  // namespace metrify::vee
