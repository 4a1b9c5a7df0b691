// EstimateSimilarDay (estimation.h): a household's Tuesday 18:00 looks most
// like its earlier Tuesdays at 18:00, so each interval gets the mean of
// those. "Same time" is the local wall clock, so a gap after a DST change
// compares 18:00 with 18:00, not with 17:00 or 19:00.
//
// Those weeks lie 1-4 weeks back, 2.5 on average, and load drifts in that
// time (seasons, daylight, a household's heating): in autumn the plain mean
// underestimated simulated households by 4-6% and PV households by 11-16%
// (bench/estimation_bench.cc, docs/benchmarks.md). So the means are scaled
// by the level the meter runs at now: measured over similar-day energy in
// the day before and the day after the gap. That halves the error of gaps
// of a day or more and costs short gaps a little (the level's own noise).
#include <algorithm>

#include "vee/estimate_time.h"
#include "vee/estimation.h"

namespace metrify::vee {
namespace {

constexpr int kDaysPerWeek = 7;
// The level is measured over this long on each side of the gap: a whole
// day, so no time of day weighs more than another.
constexpr int kLevelSideSeconds = 86'400;
// Bounds of the level factor: in a few weeks a meter's load drifts by a few
// percent; a larger ratio is more likely an odd day beside the gap (a
// holiday, an absence, a sunny day for a PV household) than a new level.
constexpr double kMaxLevelFactor = 1.25;

// The mean of the measured values at the wall-clock time at which the
// interval starting at `start_ms` starts, 1..weeks weeks earlier; nullopt
// with fewer than `min_days` of them.
std::optional<double> SameTimeMean(const date::time_zone* zone, int64_t start_ms,
                                   int64_t interval_ms, const GapContext& context, int weeks,
                                   int min_days) {
  double sum = 0;
  int found = 0;
  for (int k = 1; k <= weeks; ++k) {
    const std::optional<int64_t> start = SameWallTimeDaysBefore(zone, start_ms, k * kDaysPerWeek);
    if (!start) continue;  // that day skipped this wall-clock time
    if (const std::optional<double> kwh = context.history(*start + interval_ms)) {
      sum += *kwh;
      ++found;
    }
  }
  if (found < std::max(min_days, 1)) return std::nullopt;
  return sum / found;
}

// The level factor: measured energy over similar-day energy for the
// intervals beside the gap that have both; 1 when fewer than half of them
// do (too little to tell).
double LevelFactor(const date::time_zone* zone, const Gap& gap, const GapContext& context,
                   int weeks, int min_days) {
  const int side = static_cast<int>(kLevelSideSeconds / gap.interval_s);
  double measured = 0, similar = 0;
  int pairs = 0;
  auto add = [&](int i) {  // i: gap interval index, < 0 before the gap, >= count after
    const std::optional<double> kwh = context.history(gap.EndMs(i));
    if (!kwh) return;
    const std::optional<double> mean = SameTimeMean(zone, gap.EndMs(i) - gap.interval_ms(),
                                                    gap.interval_ms(), context, weeks, min_days);
    if (!mean) return;
    measured += *kwh;
    similar += *mean;
    ++pairs;
  };
  for (int i = 1; i <= side; ++i) {
    add(-i);
    add(gap.count - 1 + i);
  }
  if (pairs < side || !(similar > 0)) return 1;
  return std::clamp(measured / similar, 1 / kMaxLevelFactor, kMaxLevelFactor);
}

}  // namespace

std::optional<Estimate> EstimateSimilarDay(const Gap& gap, const GapContext& context, int weeks,
                                           int min_days) {
  if (!gap.valid() || !context.history || weeks < 1) return std::nullopt;
  const date::time_zone* zone = FindEstimationZone(context.timezone);
  if (zone == nullptr) return std::nullopt;
  Estimate estimate{RuleId::kSimilarDay, {}};
  estimate.kwh.reserve(static_cast<size_t>(gap.count));
  for (int i = 0; i < gap.count; ++i) {
    // Placed by its start: the interval ending at local midnight belongs to
    // the day that midnight ends.
    const int64_t start_ms = gap.EndMs(i) - gap.interval_ms();
    const std::optional<double> kwh =
        SameTimeMean(zone, start_ms, gap.interval_ms(), context, weeks, min_days);
    if (!kwh) return std::nullopt;
    estimate.kwh.push_back(std::max(0.0, *kwh));
  }
  const double level = LevelFactor(zone, gap, context, weeks, min_days);
  for (double& kwh : estimate.kwh) kwh *= level;
  return estimate;
}

}  // namespace metrify::vee
