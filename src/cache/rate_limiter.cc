#include "cache/rate_limiter.h"

#include <algorithm>
#include <cassert>

#include "common/time.h"

namespace metrify::cache {

RateDecision DecideInWindow(int64_t count, const RateLimit& limit, int64_t window_end_ms,
                            int64_t now_ms) {
  if (count <= limit.limit) {
    return {.allowed = true, .remaining = limit.limit - count, .retry_after_s = 0};
  }
  const int64_t wait_ms = std::max<int64_t>(window_end_ms - now_ms, 1);
  return {.allowed = false, .remaining = 0, .retry_after_s = (wait_ms + 999) / 1000};
}

LocalRateLimiter::LocalRateLimiter(RateLimit limit) : limit_(limit) {
  assert(limit.limit >= 1 && limit.window_ms >= 1);
}

Result<RateDecision> LocalRateLimiter::Allow(std::string_view client, int64_t now_ms) {
  const int64_t window = FloorDiv(now_ms, limit_.window_ms);
  std::lock_guard lock(mu_);
  auto [it, inserted] = counters_.try_emplace(std::string(client));
  Counter& counter = it->second;
  // A caller whose clock stepped back keeps counting in the newer window.
  if (inserted || counter.window < window) counter = {.window = window, .count = 0};
  const int64_t count = ++counter.count;
  if (inserted && counters_.size() >= sweep_at_) SweepBefore(window);
  return DecideInWindow(count, limit_, (counter.window + 1) * limit_.window_ms, now_ms);
}

void LocalRateLimiter::SweepBefore(int64_t window) {
  std::erase_if(counters_, [window](const auto& entry) { return entry.second.window < window; });
  // Doubling keeps the sweep's cost per request constant on average.
  sweep_at_ = std::max<size_t>(1024, counters_.size() * 2);
}

size_t LocalRateLimiter::TEST_tracked_clients() const {
  std::lock_guard lock(mu_);
  return counters_.size();
}

}  // namespace metrify::cache
