// RateLimiter: at most `limit` requests per client per window (docs/cache.md,
// "Rate limiting"). Embedded mode counts in process (LocalRateLimiter);
// scaled mode counts in Redis so all replicas share one budget per client
// (redis_rate_limiter.h).
//
// Both count in fixed windows aligned to the epoch: window n covers
// [n * window_ms, (n + 1) * window_ms). Every call counts, refused or not.
// A client may thus get up to 2 * limit requests through around a window
// boundary (limit at the end of one window, limit at the start of the
// next); in exchange a decision is one counter increment.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace metrify::cache {

struct RateLimit {
  int64_t limit = 600;        // requests per client per window; >= 1
  int64_t window_ms = 60000;  // window length; >= 1
};

struct RateDecision {
  bool allowed = true;
  // Requests the client has left in this window after this one (0 when
  // refused): for a RateLimit-Remaining header.
  int64_t remaining = 0;
  // Whole seconds until the window ends, rounded up (at least 1), when
  // refused; 0 when allowed: for a Retry-After header.
  int64_t retry_after_s = 0;
};

// The decision for the `count`-th request of a client in the window that
// ends at `window_end_ms`, at `now_ms`. Shared by every implementation so
// they answer alike.
RateDecision DecideInWindow(int64_t count, const RateLimit& limit, int64_t window_end_ms,
                            int64_t now_ms);

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one request of `client` (an API key id, an address; any bytes)
  // at `now_ms` (epoch milliseconds; callers pass their clock so tests can
  // move time) and decides it. Errors: Unavailable when the shared counter
  // cannot be reached (the caller chooses: fail open and serve, or refuse
  // with 503); the local implementation never fails.
  // Thread safety: implementations are thread-safe.
  virtual Result<RateDecision> Allow(std::string_view client, int64_t now_ms) = 0;
};

// In-process counters for embedded mode (one process is the whole budget).
// Memory: one entry per client seen since the last sweep; a sweep drops
// the counters of past windows once the map has doubled since the last one.
class LocalRateLimiter final : public RateLimiter {
 public:
  // REQUIRES: limit.limit >= 1, limit.window_ms >= 1.
  explicit LocalRateLimiter(RateLimit limit);

  // Never fails.
  Result<RateDecision> Allow(std::string_view client, int64_t now_ms) override;

  // Clients with a counter held, for tests of the sweep.
  size_t TEST_tracked_clients() const;

 private:
  struct Counter {
    int64_t window = 0;  // window number
    int64_t count = 0;
  };
  // Drops counters of windows before `window`. REQUIRES: mu_ held.
  void SweepBefore(int64_t window);

  const RateLimit limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Counter> counters_;  // guarded by mu_
  size_t sweep_at_ = 1024;                             // guarded by mu_
};

}  // namespace metrify::cache
