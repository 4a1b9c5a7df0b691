// The shared rate limiter (cache/redis_rate_limiter.h) against a real Redis 7:
// two replicas spend one budget, windows reset, counters expire, and a Redis
// outage is reported as Unavailable (the caller fails open or closed) and
// recovered from after a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "cache/redis_client.h"
#include "cache/redis_rate_limiter.h"
#include "support/redis_server.h"

namespace metrify::cache {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'736'726'400'000;  // 2025-01-13T00:00:00Z, a window start

std::unique_ptr<RedisClient> NewClient(const std::string& url) {
  auto client = RedisClient::Create({.url = url});
  EXPECT_TRUE(client.has_value()) << client.error().message();
  return client.has_value() ? std::move(client).value() : nullptr;
}

// Two replicas: each has its own client (its own connections) and limiter.
class RedisRateLimiterTest : public ::testing::Test {
 protected:
  RedisRateLimiterTest()
      : redis_a_(NewClient(server_.url())),
        redis_b_(NewClient(server_.url())),
        replica_a_(*redis_a_, limit_),
        replica_b_(*redis_b_, limit_) {}

  test::RedisServer server_;
  const RateLimit limit_{.limit = 10, .window_ms = kMinute};
  std::unique_ptr<RedisClient> redis_a_;
  std::unique_ptr<RedisClient> redis_b_;
  RedisRateLimiter replica_a_;
  RedisRateLimiter replica_b_;
};

TEST_F(RedisRateLimiterTest, TwoReplicasShareOneBudget) {
  int allowed = 0;
  for (int i = 0; i < 20; ++i) {
    RedisRateLimiter& replica = i % 2 == 0 ? replica_a_ : replica_b_;
    Result<RateDecision> decision = replica.Allow("key-1", kT0 + 1000 + i);
    ASSERT_TRUE(decision.has_value()) << decision.error().message();
    if (decision->allowed) {
      ++allowed;
      EXPECT_EQ(decision->remaining, 10 - allowed);
    } else {
      EXPECT_EQ(decision->retry_after_s, 59);  // 58.98 s rounded up
    }
  }
  EXPECT_EQ(allowed, 10);
  // Another client's budget is untouched.
  EXPECT_EQ(replica_b_.Allow("key-2", kT0 + 2000)->remaining, 9);
}

TEST_F(RedisRateLimiterTest, ConcurrentReplicasNeverExceedTheLimit) {
  const RateLimit limit{.limit = 150, .window_ms = kMinute};
  RedisRateLimiter a(*redis_a_, limit);
  RedisRateLimiter b(*redis_b_, limit);
  std::atomic<int> allowed{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RedisRateLimiter& replica = t % 2 == 0 ? a : b;
      for (int i = 0; i < 100; ++i) {
        Result<RateDecision> decision = replica.Allow("busy", kT0 + i);
        decision.has_value() ? allowed += decision->allowed : ++failed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 150);
}

TEST_F(RedisRateLimiterTest, NextWindowStartsAfreshAndCountersExpire) {
  for (int i = 0; i < 11; ++i) (void)replica_a_.Allow("key-1", kT0 + 30'000);
  EXPECT_FALSE(replica_b_.Allow("key-1", kT0 + 59'999)->allowed);
  RateDecision next = *replica_b_.Allow("key-1", kT0 + kMinute);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining, 9);
  // The counter lives for the rest of its window plus a grace of 5 s.
  const std::string key = RedisRateLimiter::KeyOf("key-1", kT0 / kMinute + 1);
  EXPECT_EQ(key, "metrify:rl:key-1:" + std::to_string(kT0 / kMinute + 1));
  int64_t pttl = redis_a_->Command({"PTTL", key})->integer;
  EXPECT_GT(pttl, kMinute);
  EXPECT_LE(pttl, kMinute + 5000);
}

TEST_F(RedisRateLimiterTest, UnavailableWhileRedisIsDownThenRecovers) {
  ASSERT_TRUE(replica_a_.Allow("key-1", kT0)->allowed);
  ASSERT_EQ(server_.Stop(), 0);
  for (RedisRateLimiter* replica : {&replica_a_, &replica_b_}) {
    Result<RateDecision> down = replica->Allow("key-1", kT0 + 1);
    ASSERT_FALSE(down.has_value());
    EXPECT_EQ(down.error().code(), StatusCode::kUnavailable);
    EXPECT_THAT(down.error().message(), HasSubstr("127.0.0.1:" + std::to_string(server_.port())));
  }
  server_.Start();
  // Redis came back empty: the budget starts over, on both replicas.
  Result<RateDecision> back = replica_a_.Allow("key-1", kT0 + 2);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->remaining, 9);
  EXPECT_EQ(replica_b_.Allow("key-1", kT0 + 3)->remaining, 8);
}

}  // namespace
}  // namespace metrify::cache
