// The shared response cache (cache/redis_response_cache.h) against a real
// Redis 7: hits and misses, TTL expiry, a generation bump on one replica
// retiring entries for every replica, stale puts dropped, the documented key
// layout, and an outage reported as Unavailable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "cache/redis_client.h"
#include "cache/redis_response_cache.h"
#include "support/redis_server.h"

namespace metrify::cache {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr milliseconds kMinute{60'000};
constexpr std::string_view kKey = "/v1/meters/m-1/rollup?from=2025-01-01&to=2025-02-01";

std::unique_ptr<RedisClient> NewClient(const std::string& url) {
  auto client = RedisClient::Create({.url = url});
  EXPECT_TRUE(client.has_value()) << client.error().message();
  return client.has_value() ? std::move(client).value() : nullptr;
}

class RedisResponseCacheTest : public ::testing::Test {
 protected:
  RedisResponseCacheTest()
      : redis_a_(NewClient(server_.url())),
        redis_b_(NewClient(server_.url())),
        replica_a_(*redis_a_),
        replica_b_(*redis_b_) {}

  // What a replica does on a request: serve a hit, or compute and store.
  std::string Serve(ResponseCache& cache, std::string_view body) {
    CacheLookup lookup = *cache.Get("readings", kKey);
    if (lookup.body) return *lookup.body;
    EXPECT_TRUE(cache.Put("readings", kKey, lookup.generation, body, kMinute).ok());
    return std::string(body);
  }

  test::RedisServer server_;
  std::unique_ptr<RedisClient> redis_a_;
  std::unique_ptr<RedisClient> redis_b_;
  RedisResponseCache replica_a_;
  RedisResponseCache replica_b_;
};

TEST_F(RedisResponseCacheTest, MissThenHitOnAnyReplica) {
  Result<CacheLookup> miss = replica_a_.Get("readings", kKey);
  ASSERT_TRUE(miss.has_value()) << miss.error().message();
  EXPECT_FALSE(miss->body);
  EXPECT_EQ(miss->generation, 0);
  ASSERT_TRUE(replica_a_.Put("readings", kKey, 0, "{\"kwh\":1}", kMinute).ok());
  EXPECT_EQ(replica_b_.Get("readings", kKey)->body, "{\"kwh\":1}");
  EXPECT_FALSE(replica_b_.Get("weather", kKey)->body);
  EXPECT_FALSE(replica_b_.Get("readings", "/other")->body);
}

TEST_F(RedisResponseCacheTest, EntriesExpireAfterTheirTtl) {
  ASSERT_TRUE(replica_a_.Put("readings", kKey, 0, "body", milliseconds(150)).ok());
  EXPECT_TRUE(replica_b_.Get("readings", kKey)->body);
  int64_t pttl =
      redis_a_->Command({"PTTL", RedisResponseCache::EntryKey("readings", 0, kKey)})->integer;
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 150);
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_FALSE(replica_b_.Get("readings", kKey)->body);
}

TEST_F(RedisResponseCacheTest, BumpOnOneReplicaRetiresEntriesForAll) {
  EXPECT_EQ(Serve(replica_a_, "before"), "before");
  EXPECT_EQ(Serve(replica_b_, "recomputed"), "before");  // a hit
  ASSERT_TRUE(replica_a_.Put("weather", kKey, 0, "sun", kMinute).ok());

  Result<int64_t> bumped = replica_a_.Bump("readings");  // new readings arrived
  ASSERT_TRUE(bumped.has_value()) << bumped.error().message();
  EXPECT_EQ(*bumped, 1);

  CacheLookup lookup = *replica_b_.Get("readings", kKey);
  EXPECT_FALSE(lookup.body);
  EXPECT_EQ(lookup.generation, 1);
  EXPECT_EQ(Serve(replica_b_, "after"), "after");
  EXPECT_EQ(Serve(replica_a_, "again"), "after");
  EXPECT_EQ(replica_a_.Get("weather", kKey)->body, "sun");  // other scopes stay
}

TEST_F(RedisResponseCacheTest, PutComputedBeforeABumpIsDropped) {
  CacheLookup lookup = *replica_a_.Get("readings", kKey);  // replica A misses ...
  ASSERT_TRUE(replica_b_.Bump("readings").has_value());    // ... B ingests meanwhile ...
  ASSERT_TRUE(replica_a_.Put("readings", kKey, lookup.generation, "stale", kMinute).ok());
  EXPECT_FALSE(replica_b_.Get("readings", kKey)->body);  // ... and A's stale body is not served
  EXPECT_EQ(
      redis_a_->Command({"EXISTS", RedisResponseCache::EntryKey("readings", 0, kKey)})->integer, 0);
}

TEST_F(RedisResponseCacheTest, KeysFollowTheDocumentedLayout) {
  ASSERT_TRUE(replica_a_.Bump("group-7").has_value());
  ASSERT_TRUE(replica_a_.Bump("group-7").has_value());
  ASSERT_TRUE(replica_a_.Put("group-7", "q", 2, "b", kMinute).ok());
  EXPECT_EQ(redis_a_->Command({"GET", "metrify:gen:group-7"})->str, "2");
  EXPECT_EQ(redis_a_->Command({"GET", "metrify:rc:group-7:2:q"})->str, "b");
  EXPECT_EQ(redis_a_->Command({"PTTL", "metrify:gen:group-7"})->integer, -1);  // no expiry
}

TEST_F(RedisResponseCacheTest, RejectsBadScopesAndTtls) {
  EXPECT_EQ(replica_a_.Get("a:b", kKey).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replica_a_.Bump("").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replica_a_.Put("s", kKey, 0, "b", milliseconds(-1)).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(RedisResponseCacheTest, UnavailableWhileRedisIsDownThenWorksAfterRestart) {
  ASSERT_TRUE(replica_a_.Put("readings", kKey, 0, "body", kMinute).ok());
  ASSERT_EQ(server_.Stop(), 0);
  const std::string where = "127.0.0.1:" + std::to_string(server_.port());
  Result<CacheLookup> get = replica_a_.Get("readings", kKey);
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(get.error().message(), HasSubstr(where));
  EXPECT_EQ(replica_b_.Put("readings", kKey, 0, "b", kMinute).code(), StatusCode::kUnavailable);
  EXPECT_EQ(replica_b_.Bump("readings").error().code(), StatusCode::kUnavailable);
  server_.Start();
  // Empty after the restart; the scripts are loaded again on first use.
  EXPECT_EQ(Serve(replica_a_, "fresh"), "fresh");
  EXPECT_EQ(Serve(replica_b_, "other"), "fresh");
}

}  // namespace
}  // namespace metrify::cache
