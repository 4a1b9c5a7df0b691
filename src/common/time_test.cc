#include "common/time.h"

#include <gtest/gtest.h>

#include <random>

namespace metrify {
namespace {

struct FormatCase {
  int64_t epoch_ms;
  const char* text;
};

TEST(FormatRfc3339, WritesUtcWithMillisecondsOnlyWhenThereAreAny) {
  const FormatCase cases[] = {
      {0, "1970-01-01T00:00:00Z"},
      {1, "1970-01-01T00:00:00.001Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {1736899200000, "2025-01-15T00:00:00Z"},
      {1743296400000, "2025-03-30T01:00:00Z"},
      {1709208000250, "2024-02-29T12:00:00.250Z"},  // a leap day
      {951782400000, "2000-02-29T00:00:00Z"},
      {7289654399999, "2200-12-31T23:59:59.999Z"},
  };
  for (const FormatCase& c : cases) EXPECT_EQ(FormatRfc3339(c.epoch_ms), c.text) << c.epoch_ms;
}

// Every formatted instant parses back to itself (date's own parser as the
// reference), over random instants of 1970-2200.
TEST(FormatRfc3339, AgreesWithCivilDateArithmeticAtRandom) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> instant(0, 7289654399999);
  for (int i = 0; i < 10000; ++i) {
    const int64_t ms = instant(rng);
    const std::string text = FormatRfc3339(ms);
    const std::optional<int64_t> day = ParseCivilDate(std::string_view(text).substr(0, 10));
    ASSERT_TRUE(day.has_value()) << text;
    const int64_t h = std::stoi(text.substr(11, 2)), m = std::stoi(text.substr(14, 2)),
                  s = std::stoi(text.substr(17, 2));
    const int64_t frac = text.size() > 20 ? std::stoi(text.substr(20, 3)) : 0;
    EXPECT_EQ(((*day * 24 + h) * 60 + m) * 60'000 + s * 1000 + frac, ms) << text;
  }
}

}  // namespace
}  // namespace metrify
