// ExactSum: the exact sum of some doubles, as an integer count of 2^-80,
// the unit of readings_hourly's *_units columns (pg_migrations.cc v7,
// docs/scaled.md "Rollups").
//
// Why exact: the API adds a bucket's readings with Neumaier's compensated
// sum (query/compensated_sum.h) in timestamp order. An hourly rollup cannot
// replay that order across hours, but it need not: Neumaier's error terms
// are exact (Fast2Sum), so when their running total is exact too, s + c is
// the exact sum and Total() is that sum correctly rounded. It is exact when
// every error term is a multiple of 2^G (G the least exponent of a bit any
// value uses) and n of them, each at most 2^(E-54) (E: 2^E bounds every
// partial sum), fit in 53 bits above 2^G: E - G + log2(n) <= 106 (one bit
// kept in hand). CertifiedTotal checks that and rounds the exact integer
// once; when it cannot promise the raw path's bits it says so and the
// caller reads the readings instead.
//
// Value type, no shared state.
#pragma once

#include <climits>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace metrify::store {

using Int128 = __int128;

// The unit of the stored sums: a value below 2^-80 (or using bits below
// it) makes its hour "not exact", and buckets holding it are read raw.
inline constexpr int kUnitExponent = -80;

class ExactSum {
 public:
  // Adds one value; non-finite values, values with bits below 2^-80 and
  // sums past 2^120 units make the sum not exact (it still counts n).
  void Add(double x);

  uint32_t n() const { return n_; }
  bool exact() const { return exact_; }
  Int128 units() const { return units_; }  // valid when exact()
  // The least exponent of a set bit of any nonzero value added; nullopt
  // when every value was zero (or none came).
  std::optional<int> grid() const {
    return grid_ == INT_MAX ? std::nullopt : std::optional<int>(grid_);
  }
  // The sum of |x| in kWh, rounded to nearest (0 when not exact).
  double abs() const {
    return exact_ ? std::ldexp(static_cast<double>(abs_units_), kUnitExponent) : 0;
  }

 private:
  uint32_t n_ = 0;
  bool exact_ = true;
  int grid_ = INT_MAX;
  Int128 units_ = 0;
  Int128 abs_units_ = 0;
};

// The decimal text of `v` (PostgreSQL numeric input), and back. Parse
// returns nullopt for text that is not an integer or does not fit.
std::string Int128ToText(Int128 v);
std::optional<Int128> ParseInt128(std::string_view text);

// What a bucket's hours add up to, as stored.
struct BucketTotals {
  int64_t n = 0;            // values
  Int128 units = 0;         // exact sum in 2^-80
  std::optional<int> grid;  // least grid of the hours (nullopt: all zero)
  double abs = 0;           // sum of |x|, to within a few ulps
};

// The double Neumaier's compensated sum of those values gives in any
// order, when the bound above guarantees it; nullopt otherwise.
std::optional<double> CertifiedTotal(const BucketTotals& t);

}  // namespace metrify::store
