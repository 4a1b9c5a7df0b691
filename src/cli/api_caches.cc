#include "cli/api_caches.h"

#include <algorithm>
#include <cmath>

#include "cache/redis_latest_cache.h"
#include "cache/redis_rate_limiter.h"
#include "cache/redis_response_cache.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "obs/log.h"

namespace metrify::cli {

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

}  // namespace

std::unique_ptr<ApiCaches> ApiCaches::OpenOrFail(const config::Config& config) {
  std::unique_ptr<ApiCaches> caches(new ApiCaches());
  if (config.mode == "scaled" && !config.redis.url.empty()) {
    // One connection per server thread, so no request waits for another's.
    const int threads = config.server.threads > 0 ? config.server.threads : 8;
    auto redis = cache::RedisClient::Create(
        {.url = config.redis.url, .max_connections = std::max(4, threads)});
    if (!redis) Fail(kExitUsage, "redis.url: " + redis.status().message());
    caches->redis_ = std::move(redis).value();
  }
  if (config.ratelimit.requests > 0) {
    caches->limit_ = {.limit = config.ratelimit.requests,
                      .window_ms = std::max<int64_t>(1, Millis(config.ratelimit.window_s).count())};
    caches->client_header_ = config.ratelimit.client_header;
    if (caches->redis_) {
      caches->limiter_ = std::make_unique<cache::RedisRateLimiter>(*caches->redis_, caches->limit_);
    } else {
      if (config.mode == "scaled") {
        obs::LogWarn("ratelimit without redis.url: each replica counts its own budget");
      }
      caches->limiter_ = std::make_unique<cache::LocalRateLimiter>(caches->limit_);
    }
  }
  if (caches->redis_) {
    caches->latest_ = std::make_unique<cache::RedisLatestCache>(*caches->redis_);
    if (config.cache.analytics_ttl_s > 0) {
      caches->responses_ = std::make_unique<cache::RedisResponseCache>(*caches->redis_);
      caches->response_ttl_ =
          std::max(std::chrono::milliseconds(1), Millis(config.cache.analytics_ttl_s));
    }
  }
  return caches;
}

store::SeriesStore& ApiCaches::Series(store::SeriesStore& store) {
  if (!latest_) return store;
  // The API never appends in scaled mode (workers store), so no bump here.
  store_ = std::make_unique<cache::CachedSeriesStore>(
      store, cache::CachedSeriesStoreOptions{.latest = latest_.get()});
  return *store_;
}

api::ApiCaching ApiCaches::ForApi() const {
  api::ApiCaching caching;
  caching.rate_limit = {
      .limiter = limiter_.get(), .limit = limit_, .client_header = client_header_};
  caching.responses = {.cache = responses_.get(), .ttl = response_ttl_};
  if (store_) {
    caching.register_metrics = [store = store_.get()](obs::MetricsRegistry& metrics) {
      metrics
          .AddCounter("metrify_latest_cache_hits_total",
                      "Meters whose newest reading came from the Redis cache")
          .SetCallback([store] { return static_cast<double>(store->stats().hits); });
      metrics
          .AddCounter("metrify_latest_cache_misses_total",
                      "Meters whose newest reading was read from PostgreSQL (not cached)")
          .SetCallback([store] { return static_cast<double>(store->stats().misses); });
      metrics
          .AddCounter("metrify_latest_cache_unavailable_total",
                      "Latest-reading cache calls that failed (Redis down); PostgreSQL answered")
          .SetCallback([store] { return static_cast<double>(store->stats().unavailable); });
    };
  }
  return caching;
}

}  // namespace metrify::cli
