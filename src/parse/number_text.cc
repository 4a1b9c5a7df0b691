#include "parse/number_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace metrify::parse {

namespace {

constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Clinger's fast path: a decimal of at most 19 digits without exponent whose
// digits form an integer m <= 2^53 and that has at most 22 decimals is
// m / 10^k, and both are exact doubles, so one IEEE division gives the
// correctly rounded result (simdjson and fast_float start the same way).
bool ParseShortDecimal(std::string_view text, double* out) {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t mantissa = 0;
  int digits = 0;
  for (; p < end && IsDigit(*p); ++p, ++digits) mantissa = mantissa * 10 + (*p - '0');
  int decimals = 0;
  if (p < end && *p == '.') {
    for (++p; p < end && IsDigit(*p); ++p, ++digits, ++decimals) {
      mantissa = mantissa * 10 + (*p - '0');
    }
  }
  if (p != end || digits == 0 || digits > 19 || mantissa > (uint64_t{1} << 53) || decimals > 22) {
    return false;
  }
  double value = static_cast<double>(mantissa) / kPowersOfTen[decimals];
  *out = negative ? -value : value;
  return true;
}

}  // namespace

NumberText ParseNumberText(std::string_view text, double* out) {
  if (ParseShortDecimal(text, out)) return NumberText::kOk;
  // Everything else (exponents, long mantissas, words) goes to from_chars,
  // which is exact too (fast_float inside libstdc++ 12).
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return NumberText::kNotNumber;
  }
  return ec == std::errc() && std::isfinite(*out) ? NumberText::kOk : NumberText::kNotFinite;
}

}  // namespace metrify::parse
