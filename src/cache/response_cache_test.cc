#include "cache/response_cache.h"

#include <gtest/gtest.h>

namespace metrify::cache {
namespace {

using std::chrono::milliseconds;

class LocalResponseCacheTest : public ::testing::Test {
 protected:
  LocalResponseCache MakeCache(size_t max_bytes = 1 << 20) {
    return LocalResponseCache({.max_bytes = max_bytes, .clock = [this] { return now_ms_; }});
  }
  int64_t now_ms_ = 1000;
};

TEST_F(LocalResponseCacheTest, MissThenPutThenHit) {
  LocalResponseCache cache = MakeCache();
  CacheLookup miss = *cache.Get("readings", "/v1/rollup?day=1");
  EXPECT_FALSE(miss.body);
  EXPECT_EQ(miss.generation, 0);
  ASSERT_TRUE(
      cache.Put("readings", "/v1/rollup?day=1", miss.generation, "{}", milliseconds(500)).ok());
  EXPECT_EQ(cache.Get("readings", "/v1/rollup?day=1")->body, "{}");
  EXPECT_FALSE(cache.Get("weather", "/v1/rollup?day=1")->body);  // scopes are apart
}

TEST_F(LocalResponseCacheTest, EntriesExpireAfterTheirTtl) {
  LocalResponseCache cache = MakeCache();
  ASSERT_TRUE(cache.Put("readings", "k", 0, "body", milliseconds(100)).ok());
  now_ms_ += 99;
  EXPECT_TRUE(cache.Get("readings", "k")->body);
  now_ms_ += 1;
  EXPECT_FALSE(cache.Get("readings", "k")->body);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(LocalResponseCacheTest, BumpRetiresTheScopeOnly) {
  LocalResponseCache cache = MakeCache();
  ASSERT_TRUE(cache.Put("readings", "k", 0, "old", milliseconds(1000)).ok());
  ASSERT_TRUE(cache.Put("weather", "k", 0, "sun", milliseconds(1000)).ok());
  EXPECT_EQ(*cache.Bump("readings"), 1);
  CacheLookup lookup = *cache.Get("readings", "k");
  EXPECT_FALSE(lookup.body);
  EXPECT_EQ(lookup.generation, 1);
  EXPECT_EQ(cache.Get("weather", "k")->body, "sun");
}

TEST_F(LocalResponseCacheTest, PutOfAnOlderGenerationIsDropped) {
  LocalResponseCache cache = MakeCache();
  int64_t seen = cache.Get("readings", "k")->generation;
  ASSERT_TRUE(cache.Bump("readings").has_value());  // new data while the response was computed
  ASSERT_TRUE(cache.Put("readings", "k", seen, "stale", milliseconds(1000)).ok());
  EXPECT_FALSE(cache.Get("readings", "k")->body);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(LocalResponseCacheTest, EvictsLeastRecentlyUsedWithinTheByteBudget) {
  const std::string body(300, 'x');
  LocalResponseCache cache = MakeCache(1500);  // about three entries of 300 + overhead
  for (std::string key : {"a", "b", "c"}) {
    ASSERT_TRUE(cache.Put("s", key, 0, body, milliseconds(1000)).ok());
  }
  EXPECT_TRUE(cache.Get("s", "a")->body);  // a is now the most recent
  ASSERT_TRUE(cache.Put("s", "d", 0, body, milliseconds(1000)).ok());
  EXPECT_TRUE(cache.Get("s", "a")->body);
  EXPECT_FALSE(cache.Get("s", "b")->body);
  EXPECT_TRUE(cache.Get("s", "d")->body);
  EXPECT_LE(cache.bytes(), 1500u);
}

TEST_F(LocalResponseCacheTest, BodyLargerThanTheBudgetIsNotStored) {
  LocalResponseCache cache = MakeCache(1000);
  ASSERT_TRUE(cache.Put("s", "small", 0, "x", milliseconds(1000)).ok());
  ASSERT_TRUE(cache.Put("s", "huge", 0, std::string(2000, 'x'), milliseconds(1000)).ok());
  EXPECT_FALSE(cache.Get("s", "huge")->body);
  EXPECT_TRUE(cache.Get("s", "small")->body);
}

TEST_F(LocalResponseCacheTest, ReplacingAnEntryKeepsTheAccountingRight) {
  LocalResponseCache cache = MakeCache();
  ASSERT_TRUE(cache.Put("s", "k", 0, std::string(100, 'a'), milliseconds(1000)).ok());
  size_t one = cache.bytes();
  ASSERT_TRUE(cache.Put("s", "k", 0, std::string(100, 'b'), milliseconds(1000)).ok());
  EXPECT_EQ(cache.bytes(), one);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.Get("s", "k")->body, std::string(100, 'b'));
}

TEST_F(LocalResponseCacheTest, RejectsBadScopesAndTtls) {
  LocalResponseCache cache = MakeCache();
  EXPECT_EQ(cache.Get("", "k").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Bump("a:b").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Put("s", "k", 0, "b", milliseconds(0)).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace metrify::cache
