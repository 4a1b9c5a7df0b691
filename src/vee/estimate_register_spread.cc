// EstimateRegisterSpread (estimation.h): the register knows the gap's total
// exactly; another method only says how it is shaped.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "vee/estimation.h"

namespace metrify::vee {
namespace {

// `shape` as usable weights for `count` intervals, or all ones (flat).
std::vector<double> Weights(const std::vector<double>& shape, int count) {
  std::vector<double> weights(static_cast<size_t>(count), 1.0);
  if (shape.size() != weights.size()) return weights;
  double sum = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    weights[i] = std::isfinite(shape[i]) ? std::max(0.0, shape[i]) : 0.0;
    sum += weights[i];
  }
  if (!(sum > 0)) std::fill(weights.begin(), weights.end(), 1.0);
  return weights;
}

}  // namespace

std::optional<Estimate> EstimateRegisterSpread(const Gap& gap, const GapContext& context,
                                               const std::vector<double>& shape) {
  if (!gap.valid() || !context.register_start_kwh || !context.register_end_kwh) {
    return std::nullopt;
  }
  const double total = *context.register_end_kwh - *context.register_start_kwh;
  if (!(total >= 0) || !std::isfinite(total)) return std::nullopt;  // also refuses NaN
  const std::vector<double> weights = Weights(shape, gap.count);
  const double weight_sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  Estimate estimate{RuleId::kRegisterSpread, std::vector<double>(weights.size())};
  for (size_t i = 0; i < weights.size(); ++i) estimate.kwh[i] = total * (weights[i] / weight_sum);
  // The products round independently; the largest value absorbs what they
  // lost, so the gap adds up to the register difference (and stays >= 0).
  const double spread = std::accumulate(estimate.kwh.begin(), estimate.kwh.end(), 0.0);
  *std::max_element(estimate.kwh.begin(), estimate.kwh.end()) += total - spread;
  return estimate;
}

}  // namespace metrify::vee
