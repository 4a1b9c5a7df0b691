#include "store/postgres/rollup_sum.h"

#include <algorithm>
#include <bit>

namespace metrify::store {

namespace {

// Headroom: an hour of one-second readings (3600 values below 2^120 units)
// still fits, and so does the sum of every hour of a bucket.
constexpr int kMaxValueBits = 120;

}  // namespace

void ExactSum::Add(double x) {
  ++n_;
  if (!exact_) return;
  if (!std::isfinite(x)) {
    exact_ = false;
    return;
  }
  if (x == 0) return;
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(x), &exponent);  // |x| = fraction * 2^exponent
  uint64_t mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));  // exact: 53 bits
  const int trailing = std::countr_zero(mantissa);
  mantissa >>= trailing;
  const int low = exponent - 53 + trailing;  // |x| = mantissa * 2^low, mantissa odd
  const int shift = low - kUnitExponent;
  if (shift < 0 || std::bit_width(mantissa) + shift > kMaxValueBits) {
    exact_ = false;
    return;
  }
  const Int128 v = static_cast<Int128>(mantissa) << shift;
  if (__builtin_add_overflow(abs_units_, v, &abs_units_)) {
    exact_ = false;
    return;
  }
  units_ += x < 0 ? -v : v;  // |units_| <= abs_units_: no overflow
  grid_ = std::min(grid_, low);
}

std::string Int128ToText(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  // Digit by digit from the remainder's magnitude: -INT128_MIN would overflow.
  while (v != 0) {
    const int digit = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
    v /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<Int128> ParseInt128(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  // numeric may print a scale (".0") after a sum; it is zero for integers.
  if (const size_t dot = text.find('.'); dot != std::string_view::npos) {
    if (text.find_first_not_of('0', dot + 1) != std::string_view::npos) return std::nullopt;
    text = text.substr(0, dot);
  }
  if (text.empty()) return std::nullopt;
  Int128 v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) {
      return std::nullopt;
    }
  }
  return negative ? -v : v;
}

std::optional<double> CertifiedTotal(const BucketTotals& t) {
  if (t.n == 0 || !t.grid) return 0.0;  // nothing, or zeros only: Neumaier gives +0 too
  if (!(t.abs > 0) || !std::isfinite(t.abs)) return std::nullopt;
  // 2^E bounds every partial sum, with a factor of two for the rounding of
  // `abs` and of the running sums.
  const int e = std::ilogb(t.abs) + 2;
  const int log2n = std::bit_width(static_cast<uint64_t>(t.n - 1));  // ceil(log2 n)
  if (e - *t.grid + log2n > 106) return std::nullopt;
  // The exact sum must fit the integer it is rounded from.
  if (e - kUnitExponent > 125) return std::nullopt;
  // One rounding (int128 -> double is round-to-nearest-even in libgcc), then
  // an exact scaling: a nonzero sum is at least 2^-80, far from subnormal.
  return std::ldexp(static_cast<double>(t.units), kUnitExponent);
}

}  // namespace metrify::store
