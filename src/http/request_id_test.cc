#include "http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace metrify::http {
namespace {

TEST(RequestIdTest, AcceptsTheDocumentedAlphabetUpTo64Chars) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId("AZaz09._:-"));
  EXPECT_TRUE(IsValidRequestId(std::string(64, 'x')));
}

TEST(RequestIdTest, RejectsEmptyLongAndOtherCharacters) {
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'x')));
  for (std::string bad : {"a b", "a/b", "a\"b", "a\r\nb", "ä", "a,b", "a;b", "a=b"}) {
    EXPECT_FALSE(IsValidRequestId(bad)) << bad;
  }
}

TEST(RequestIdTest, GeneratedIdsAre16LowerHexAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RequestIdTest, ChooseKeepsValidClientIdAndReplacesInvalidOne) {
  EXPECT_EQ(ChooseRequestId("abc-1"), "abc-1");
  std::string replaced = ChooseRequestId("not valid");
  EXPECT_EQ(replaced.size(), 16u);
  EXPECT_EQ(ChooseRequestId("").size(), 16u);
}

}  // namespace
}  // namespace metrify::http
