// EstimateLinear (estimation.h): a straight line between the measured
// neighbours of the gap.
#include <algorithm>

#include "vee/estimation.h"

namespace metrify::vee {

std::optional<Estimate> EstimateLinear(const Gap& gap, const GapContext& context) {
  if (!gap.valid() || !context.before_kwh || !context.after_kwh) return std::nullopt;
  // A negative neighbour is no energy a meter measured; clamping both ends
  // keeps every point of the line >= 0.
  const double before = std::max(0.0, *context.before_kwh);
  const double after = std::max(0.0, *context.after_kwh);
  Estimate estimate{RuleId::kLinear, std::vector<double>(static_cast<size_t>(gap.count))};
  for (int i = 1; i <= gap.count; ++i) {
    estimate.kwh[i - 1] = std::max(0.0, before + (after - before) * i / (gap.count + 1));
  }
  return estimate;
}

}  // namespace metrify::vee
