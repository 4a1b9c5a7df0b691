// ApiCaches: what one `metrify serve` process keeps in a cache, built from
// the configuration (docs/cache.md, "Where the caches are used"):
//
//                      embedded            scaled, redis.url set    scaled, no redis.url
//   rate limit         LocalRateLimiter    RedisRateLimiter          LocalRateLimiter (per replica)
//   analytics answers  -                   RedisResponseCache        -
//   latest readings    - (engine memory)   RedisLatestCache          -
//
// The rate limit is on only when ratelimit.requests > 0; analytics answers
// are cached only when cache.analytics_ttl_s > 0. Embedded mode caches no
// answers: its engine answers from memory and block statistics, and every
// cached view would need its own invalidation from ingest and VEE.
//
// Lifecycle: build once before the API; it must outlive the api::Api and
// the series backend that use it. Thread safety: what it hands out is.
#pragma once

#include <memory>

#include "api/api.h"
#include "cache/cached_series_store.h"
#include "cache/rate_limiter.h"
#include "cache/redis_client.h"
#include "cache/response_cache.h"
#include "config/config.h"
#include "store/series_store.h"

namespace metrify::cli {

class ApiCaches {
 public:
  // Builds the caches the configuration asks for; Redis is not contacted
  // yet (a replica starts while Redis is down). Fails the command (exit 2)
  // on a redis.url that cannot be parsed; the message never shows its
  // password.
  static std::unique_ptr<ApiCaches> OpenOrFail(const config::Config& config);

  // The store the API should read through: a CachedSeriesStore in front of
  // `store` when latest readings are cached, otherwise `store` itself.
  // REQUIRES: called at most once; `store` outlives this.
  store::SeriesStore& Series(store::SeriesStore& store);

  // The rate limit and response cache for api::Api, and the metrics of the
  // latest-reading cache.
  api::ApiCaching ForApi() const;

 private:
  ApiCaches() = default;

  std::unique_ptr<cache::RedisClient> redis_;    // scaled mode with redis.url
  std::unique_ptr<cache::RateLimiter> limiter_;  // null: no rate limit
  cache::RateLimit limit_;
  std::string client_header_;
  std::unique_ptr<cache::ResponseCache> responses_;  // null: answers not cached
  std::chrono::milliseconds response_ttl_{0};
  std::unique_ptr<cache::LatestCache> latest_;       // null: latest readings not cached
  std::unique_ptr<cache::CachedSeriesStore> store_;  // set by Series()
};

}  // namespace metrify::cli
