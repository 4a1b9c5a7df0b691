// LogThrottle: lets a caller log a recurring failure at most once per
// period. While Redis is down every request fails the same way; one line a
// minute (with the count held back) says so without flooding the log.
//
// Thread safety: thread-safe (two atomics; a race may let two callers log
// in the same instant, which is harmless).
#pragma once

#include <atomic>
#include <cstdint>

namespace metrify::cache {

class LogThrottle {
 public:
  explicit LogThrottle(int64_t period_ms = 60000) : period_ms_(period_ms) {}

  // True when the caller should log now (the first failure, then once per
  // period). *held_back gets the failures not logged since the last line.
  bool Ready(int64_t now_ms, int64_t* held_back) {
    const int64_t next = next_ms_.load(std::memory_order_relaxed);
    if (now_ms < next) {
      held_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    next_ms_.store(now_ms + period_ms_, std::memory_order_relaxed);
    *held_back = held_.exchange(0, std::memory_order_relaxed);
    return true;
  }

 private:
  const int64_t period_ms_;
  std::atomic<int64_t> next_ms_{0};
  std::atomic<int64_t> held_{0};
};

}  // namespace metrify::cache
