// Decimal numbers in text (CSV cells) to doubles, correctly rounded, fast for
// the short decimals meters send ("0.125", "231.4") and exact for all.
#pragma once

#include <string_view>

namespace metrify::parse {

enum class NumberText {
  kOk,         // *out holds the value
  kNotNumber,  // not a decimal number ("abc", "0,25", "")
  kNotFinite,  // NaN, inf, infinity, or beyond the range of a double
};

// Parses all of `text`: an optional sign, digits with an optional '.', an
// optional exponent, as std::from_chars reads them, plus a leading '+'.
NumberText ParseNumberText(std::string_view text, double* out);

}  // namespace metrify::parse
