#include "common/strings.h"

#include <gtest/gtest.h>

namespace metrify {
namespace {

TEST(StringsEditDistance, CountsEditsAndSwapsOfNeighboursAsOne) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("spkie", "spike"), 1u);
  EXPECT_EQ(EditDistance("lisen", "listen"), 1u);
}

TEST(StringsEditDistance, ClosestSuggestsTyposOnly) {
  const std::vector<std::string_view> names = {"spike", "range", "reset"};
  EXPECT_EQ(Closest("spkie", names), "spike");
  EXPECT_EQ(Closest("ranges", names), "range");
  EXPECT_EQ(Closest("banana", names), "");
}

}  // namespace
}  // namespace metrify
