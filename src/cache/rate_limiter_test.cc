#include "cache/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace metrify::cache {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'736'726'400'000;  // 2025-01-13T00:00:00Z, a window start

TEST(RateDecisionTest, RemainingCountsDownAndRetryAfterRoundsUp) {
  const RateLimit limit{.limit = 3, .window_ms = kMinute};
  RateDecision first = DecideInWindow(1, limit, kT0 + kMinute, kT0);
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining, 2);
  EXPECT_EQ(first.retry_after_s, 0);
  EXPECT_EQ(DecideInWindow(3, limit, kT0 + kMinute, kT0).remaining, 0);
  RateDecision refused = DecideInWindow(4, limit, kT0 + kMinute, kT0 + 58'500);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_s, 2);  // 1.5 s rounds up
  EXPECT_EQ(DecideInWindow(4, limit, kT0 + kMinute, kT0 + kMinute).retry_after_s, 1);
}

TEST(LocalRateLimiterTest, RefusesBeyondTheLimitUntilTheWindowEnds) {
  LocalRateLimiter limiter({.limit = 2, .window_ms = kMinute});
  EXPECT_TRUE(limiter.Allow("key-a", kT0)->allowed);
  EXPECT_TRUE(limiter.Allow("key-a", kT0 + 10)->allowed);
  RateDecision refused = *limiter.Allow("key-a", kT0 + 20'000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 40);
  // Other clients have their own budget; the next window starts afresh.
  EXPECT_TRUE(limiter.Allow("key-b", kT0 + 20'000)->allowed);
  RateDecision next = *limiter.Allow("key-a", kT0 + kMinute);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining, 1);
}

TEST(LocalRateLimiterTest, ConcurrentCallersShareOneBudgetExactly) {
  LocalRateLimiter limiter({.limit = 1000, .window_ms = kMinute});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 400; ++i) allowed += limiter.Allow("shared", kT0 + i)->allowed;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1000);
}

TEST(LocalRateLimiterTest, ClockSteppingBackCountsInTheNewerWindow) {
  LocalRateLimiter limiter({.limit = 1, .window_ms = kMinute});
  EXPECT_TRUE(limiter.Allow("c", kT0 + kMinute)->allowed);
  EXPECT_FALSE(limiter.Allow("c", kT0 + kMinute - 5)->allowed);
}

TEST(LocalRateLimiterTest, CountersOfPastWindowsAreSwept) {
  LocalRateLimiter limiter({.limit = 5, .window_ms = kMinute});
  for (int i = 0; i < 1000; ++i) (void)limiter.Allow("old-" + std::to_string(i), kT0);
  EXPECT_EQ(limiter.TEST_tracked_clients(), 1000u);
  for (int i = 0; i < 100; ++i) (void)limiter.Allow("new-" + std::to_string(i), kT0 + kMinute);
  // The 1024th client triggered a sweep of the old window; the new stay.
  EXPECT_EQ(limiter.TEST_tracked_clients(), 100u);
}

}  // namespace
}  // namespace metrify::cache
