#include "api/rate_limit_gate.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"
#include "obs/log.h"

namespace metrify::api {

namespace {

// Redis keys carry the client; a forged header must not make them huge.
constexpr size_t kMaxClientBytes = 128;

int64_t CeilSeconds(int64_t ms) { return std::max<int64_t>(1, (ms + 999) / 1000); }

}  // namespace

RateLimitGate::RateLimitGate(RateLimitPolicy policy, obs::MetricsRegistry& metrics,
                             std::function<int64_t()> clock)
    : policy_(std::move(policy)),
      clock_(clock ? std::move(clock) : std::function<int64_t()>(NowMillis)),
      rejected_(metrics.AddCounter("metrify_ratelimit_rejected_total",
                                   "Requests refused with 429 by the per-client rate limit")),
      unavailable_(metrics.AddCounter(
          "metrify_ratelimit_unavailable_total",
          "Requests served unlimited because the rate limiter (Redis) could not be reached")) {}

bool RateLimitGate::Exempt(std::string_view path) {
  return path == "/metrics" || path == "/health" || path.starts_with("/health/");
}

std::string RateLimitGate::ClientOf(const http::HttpRequest& request, std::string_view header) {
  std::string_view client;
  if (!header.empty()) {
    if (std::optional<std::string_view> value = request.Header(header)) {
      const size_t comma = value->rfind(',');
      client = Trim(comma == std::string_view::npos ? *value : value->substr(comma + 1));
    }
  }
  if (client.empty()) {
    // "ip:port" or "[v6]:port": the port changes per connection, the client does not.
    client = request.remote;
    if (const size_t colon = client.rfind(':'); colon != std::string_view::npos) {
      client = client.substr(0, colon);
    }
  }
  return std::string(client.substr(0, kMaxClientBytes));
}

std::optional<http::HttpResponse> RateLimitGate::Admit(const http::HttpRequest& request,
                                                       HeaderList* headers) {
  if (policy_.limiter == nullptr || Exempt(request.path)) return std::nullopt;
  const int64_t now_ms = clock_();
  Result<cache::RateDecision> decision =
      policy_.limiter->Allow(ClientOf(request, policy_.client_header), now_ms);
  if (!decision) {
    NoteUnavailable(decision.status(), now_ms);
    return std::nullopt;
  }
  const int64_t window_ms = policy_.limit.window_ms;
  const int64_t reset_s = CeilSeconds(window_ms - now_ms % window_ms);
  headers->emplace_back("RateLimit-Limit", std::to_string(policy_.limit.limit));
  headers->emplace_back("RateLimit-Remaining", std::to_string(decision->remaining));
  headers->emplace_back("RateLimit-Reset", std::to_string(reset_s));
  headers->emplace_back("RateLimit-Policy",
                        fmt::format("{};w={}", policy_.limit.limit, CeilSeconds(window_ms)));
  if (decision->allowed) return std::nullopt;
  rejected_.Inc({});
  http::HttpResponse refused = http::MakeErrorResponse(
      429, "rate_limited",
      fmt::format("too many requests: at most {} per {} s per client; retry after {} s",
                  policy_.limit.limit, static_cast<double>(window_ms) / 1000.0,
                  decision->retry_after_s));
  refused.headers.emplace_back("Retry-After", std::to_string(decision->retry_after_s));
  return refused;
}

void RateLimitGate::NoteUnavailable(const Status& status, int64_t now_ms) {
  unavailable_.Inc({});
  int64_t held_back = 0;
  if (log_throttle_.Ready(now_ms, &held_back)) {
    // The message names host:port only (RedisClient never shows the password).
    obs::LogWarn("rate limiter unavailable; serving without a limit",
                 {{"error", status.message()}, {"not_logged_since_last", held_back}});
  }
}

}  // namespace metrify::api
