// RateLimitGate: the API's per-client request budget (docs/api.md, "Rate
// limits"). Api::Handle asks it before dispatching every request except
// /health* and /metrics (probes and scrapers must never be refused).
//
// The client is the peer address, or, behind a trusted proxy, the rightmost
// entry of a configured header such as X-Forwarded-For (the one the proxy
// appended; entries left of it are the client's own claims). The counting
// is the cache::RateLimiter's: in process in embedded mode, in Redis and
// shared by every replica in scaled mode.
//
// Failure: when the limiter is unavailable (Redis down) the request is
// served (fail open), counted in metrify_ratelimit_unavailable_total and
// logged once a minute.
//
// Thread safety: thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/log_throttle.h"
#include "cache/rate_limiter.h"
#include "http/message.h"
#include "obs/metrics.h"

namespace metrify::api {

struct RateLimitPolicy {
  cache::RateLimiter* limiter = nullptr;  // null: no limit (the default)
  cache::RateLimit limit;                 // the limiter's own; for the headers
  std::string client_header{};            // header naming the client; "" = peer address
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class RateLimitGate {
 public:
  // `clock` gives epoch milliseconds (NowMillis when empty). Registers
  // metrify_ratelimit_rejected_total and metrify_ratelimit_unavailable_total.
  RateLimitGate(RateLimitPolicy policy, obs::MetricsRegistry& metrics,
                std::function<int64_t()> clock = {});

  // Counts `request` against its client. nullopt: serve it and add
  // *headers (RateLimit-*) to the answer; otherwise the 429 to send.
  std::optional<http::HttpResponse> Admit(const http::HttpRequest& request, HeaderList* headers);

  // True for paths that are never limited: /health, /health/*, /metrics.
  static bool Exempt(std::string_view path);
  // The client `request` is counted as; `header` any case, or empty.
  static std::string ClientOf(const http::HttpRequest& request, std::string_view header);

 private:
  void NoteUnavailable(const Status& status, int64_t now_ms);

  const RateLimitPolicy policy_;
  const std::function<int64_t()> clock_;
  obs::Counter& rejected_;
  obs::Counter& unavailable_;
  cache::LogThrottle log_throttle_;
};

}  // namespace metrify::api
