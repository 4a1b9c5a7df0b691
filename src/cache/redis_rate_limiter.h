// RedisRateLimiter: the rate limiter of scaled mode. Every replica counts in
// the same Redis key per client and window, so a client has one budget
// however its requests are spread (docs/cache.md, "Rate limiting").
//
// Key: metrify:rl:<client>:<window number>, an integer counter that expires
// a few seconds after its window ends. One call is one round trip:
// MULTI, INCR, PEXPIRE, EXEC.
//
// Windows are numbered by the caller's clock (now_ms), so replicas whose
// clocks differ by d ms switch windows up to d ms apart; NTP keeps that
// negligible next to a window of a minute. Expiry is relative (PEXPIRE), so
// Redis's own clock does not matter.
//
// Thread safety: thread-safe (RedisClient is).
#pragma once

#include <string>

#include "cache/rate_limiter.h"
#include "cache/redis_client.h"

namespace metrify::cache {

class RedisRateLimiter final : public RateLimiter {
 public:
  // REQUIRES: `client` outlives this; limit.limit >= 1, limit.window_ms >= 1.
  RedisRateLimiter(RedisClient& client, RateLimit limit);

  // As RateLimiter::Allow. Errors: Unavailable when Redis cannot be reached
  // or is too slow (the caller decides to fail open or closed; nothing was
  // counted, or the count may have landed without a reply); Internal for an
  // unexpected reply.
  Result<RateDecision> Allow(std::string_view client, int64_t now_ms) override;

  // The Redis key counting `client` in window `window`.
  static std::string KeyOf(std::string_view client, int64_t window);

 private:
  RedisClient& redis_;
  const RateLimit limit_;
};

}  // namespace metrify::cache
