#include "cache/redis_rate_limiter.h"

#include <fmt/format.h>

#include <array>
#include <cassert>

#include "common/time.h"

namespace metrify::cache {
namespace {

// Counters outlive their window by this much, so a replica whose clock lags
// still finds the counter the others used instead of starting a fresh one.
constexpr int64_t kExpiryGraceMs = 5000;

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisClient& client, RateLimit limit)
    : redis_(client), limit_(limit) {
  assert(limit.limit >= 1 && limit.window_ms >= 1);
}

std::string RedisRateLimiter::KeyOf(std::string_view client, int64_t window) {
  return fmt::format("metrify:rl:{}:{}", client, window);
}

Result<RateDecision> RedisRateLimiter::Allow(std::string_view client, int64_t now_ms) {
  const int64_t window = FloorDiv(now_ms, limit_.window_ms);
  const int64_t window_end = (window + 1) * limit_.window_ms;
  const std::string key = KeyOf(client, window);
  const std::string ttl = std::to_string(window_end - now_ms + kExpiryGraceMs);
  // MULTI: the counter never exists without its expiry, even when the
  // connection breaks between the two commands.
  const std::array<RedisArgv, 4> commands{RedisArgv{"MULTI"}, RedisArgv{"INCR", key},
                                          RedisArgv{"PEXPIRE", key, ttl}, RedisArgv{"EXEC"}};
  METRIFY_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(commands));
  const RedisReply& exec = replies.back();
  if (exec.type != RedisReply::Type::kArray || exec.elements.empty() ||
      !exec.elements[0].AsInteger()) {
    return Status::Internal(
        fmt::format("Redis at {}: rate limit counter: unexpected EXEC reply ({})", redis_.where(),
                    exec.Describe()));
  }
  return DecideInWindow(*exec.elements[0].AsInteger(), limit_, window_end, now_ms);
}

}  // namespace metrify::cache
