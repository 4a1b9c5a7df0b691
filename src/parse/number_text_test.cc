#include "parse/number_text.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace metrify::parse {
namespace {

double Parsed(std::string_view text) {
  double value = -12345;
  EXPECT_EQ(ParseNumberText(text, &value), NumberText::kOk) << text;
  return value;
}

TEST(ParseNumberText, MeterDecimalsAreRead) {
  EXPECT_EQ(Parsed("0.125"), 0.125);
  EXPECT_EQ(Parsed("231.4"), 231.4);
  EXPECT_EQ(Parsed("-3.5"), -3.5);
  EXPECT_EQ(Parsed("+0.25"), 0.25);
  EXPECT_EQ(Parsed("42"), 42);
  EXPECT_EQ(Parsed(".5"), 0.5);
  EXPECT_EQ(Parsed("1e3"), 1000);
  EXPECT_EQ(Parsed("2.5E-3"), 0.0025);
  EXPECT_TRUE(std::signbit(Parsed("-0")));
  EXPECT_EQ(Parsed("12345678901234567890123"), 1.2345678901234568e22);
}

TEST(ParseNumberText, NonNumbersAndNonFiniteValuesAreTold) {
  double value = 0;
  for (std::string_view text :
       {"", "abc", "0,25", "1.2.3", "--1", "+-1", "1e", " 1", "0x10", "."}) {
    EXPECT_EQ(ParseNumberText(text, &value), NumberText::kNotNumber) << text;
  }
  for (std::string_view text : {"NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e999"}) {
    EXPECT_EQ(ParseNumberText(text, &value), NumberText::kNotFinite) << text;
  }
}

// The fast path must round exactly like from_chars: compare on random
// decimals of every length and scale around the fast path's limits.
TEST(ParseNumberText, AgreesWithFromCharsBitForBit) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    int digits = 1 + static_cast<int>(rng() % 20);
    std::string text = rng() % 4 == 0 ? "-" : "";
    for (int d = 0; d < digits; ++d) text += static_cast<char>('0' + rng() % 10);
    int point = static_cast<int>(rng() % (digits + 1));
    if (point < digits) text.insert(text.size() - point, ".");
    double fast = 0, reference = 0;
    ASSERT_EQ(ParseNumberText(text, &fast), NumberText::kOk) << text;
    std::from_chars(text.data(), text.data() + text.size(), reference);
    ASSERT_EQ(std::memcmp(&fast, &reference, sizeof(double)), 0) << text;
  }
}

}  // namespace
}  // namespace metrify::parse
