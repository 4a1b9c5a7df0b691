// EstimateGap (estimation.h): which method fills a gap. The register
// difference, when known, is the gap's true total, so it always wins; the
// other methods only guess and are ranked by how local their evidence is:
// the adjoining values for short gaps, the meter's own past weeks, the
// standard profile. The methods themselves live in estimate_*.cc.
#include "vee/estimation.h"

namespace metrify::vee {
namespace {

constexpr double kSecondsPerDay = 86'400;

bool TooLong(const Gap& gap, const RuleSet& rules) {
  return double(gap.count) * gap.interval_s > rules.max_estimated_gap_days * kSecondsPerDay;
}

// The best guess without the registers; its values also shape a spread.
// Linear only for short gaps: over hours a straight line misses the
// day's shape that the other methods know.
std::optional<Estimate> BestShape(const Gap& gap, const GapContext& context, const RuleSet& rules) {
  if (gap.hours() <= rules.linear_max_gap_hours) {
    if (std::optional<Estimate> linear = EstimateLinear(gap, context)) return linear;
  }
  if (std::optional<Estimate> similar =
          EstimateSimilarDay(gap, context, rules.similar_day_weeks, rules.similar_day_min_days)) {
    return similar;
  }
  return EstimateProfile(gap, context);
}

}  // namespace

std::optional<Estimate> EstimateGap(const Gap& gap, const GapContext& context,
                                    const RuleSet& rules) {
  if (!rules.estimate || !gap.valid() || TooLong(gap, rules)) return std::nullopt;
  std::optional<Estimate> shape = BestShape(gap, context, rules);
  static const std::vector<double> kFlat;
  if (std::optional<Estimate> spread =
          EstimateRegisterSpread(gap, context, shape ? shape->kwh : kFlat)) {
    return spread;
  }
  // A long gap with nothing better stays MISSING: a straight line over
  // hours would be a guess without evidence, shown as if it had some.
  return shape;
}

}  // namespace metrify::vee
