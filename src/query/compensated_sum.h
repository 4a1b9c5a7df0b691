// CompensatedSum: a running sum of doubles with Neumaier's compensation, so
// adding a million 0.001 kWh quarter hours gives 1000 kWh, not 999.99999998.
//
// Plain summation loses the low bits of each small addend once the total is
// large; the compensation term collects them and is added back at the end.
// The error stays at about one rounding of the result, whatever the count.
// Value type, no shared state.
#pragma once

#include <cmath>

namespace metrify::query {

class CompensatedSum {
 public:
  void Add(double x) {
    double t = sum_ + x;
    // Whichever operand is larger in magnitude keeps its bits; recover the
    // bits the smaller one lost in the addition.
    if (std::fabs(sum_) >= std::fabs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }

  double Total() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

}  // namespace metrify::query
