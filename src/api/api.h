// Api: the whole REST API of embedded mode as one request handler. It owns
// the router, answers /health, /metrics, /openapi.json and /docs, mounts the
// registry resources under /api/v1, and records metrics and an access log
// line for every exchange.
//
// Handle() and Observe() are thread-safe; the HTTP server calls them from its
// I/O threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "api/health.h"
#include "api/rate_limit_gate.h"
#include "api/response_caching.h"
#include "api/router.h"
#include "api/series_routes.h"
#include "http/message.h"
#include "obs/http_probe.h"
#include "obs/metrics.h"
#include "registry/registry.h"

namespace metrify::api {

// What the API shares with other replicas or keeps across requests: the
// rate limit and the analytics response cache (cli/api_caches.h builds them
// from the configuration). The defaults turn both off.
struct ApiCaching {
  RateLimitPolicy rate_limit;
  ResponseCachePolicy responses;
  // Registers the metrics of what the caller built (the latest-reading
  // cache in front of the series store); may be empty.
  std::function<void(obs::MetricsRegistry&)> register_metrics;
};

class Api {
 public:
  // Every argument must outlive the Api, and so must the limiter and cache
  // `caching` points to.
  Api(registry::Registry& registry, HealthChecker& health, obs::MetricsRegistry& metrics,
      SeriesBackend& series, ApiCaching caching = {});

  // Answers one request. Exceptions from handlers become 500 "internal".
  http::HttpResponse Handle(http::HttpRequest& request);
  // Called once the response is written: metrics and the access log.
  void Observe(const http::HttpRequest& request, const http::HttpResponse& response,
               double seconds);

  // From now on /health/ready answers 503 so load balancers stop sending.
  void SetDraining() { draining_ = true; }
  const Router& router() const { return router_; }

 private:
  void AddSystemRoutes();
  http::HttpResponse HealthResponse() const;

  registry::Registry& registry_;
  SeriesBackend& series_;
  HealthChecker& health_;
  obs::MetricsRegistry& metrics_;
  obs::HttpProbe probe_;
  RateLimitGate rate_limit_;
  ResponseCaching responses_;
  Router router_;
  int64_t started_ms_;
  std::atomic<bool> draining_{false};
};

}  // namespace metrify::api
