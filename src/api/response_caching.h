// ResponseCaching: finished analytics answers reused across requests and,
// in scaled mode, across API replicas (docs/cache.md, "Response cache";
// the protocol is cache::ResponseCache's).
//
// What is cached: GET /api/v1/analytics/consumption, keyed by the path and
// the query parameters sorted by name (nothing else varies its answer: no
// header selects a format). Only 200 answers are stored, for `ttl` at most.
// Other analytics routes are not cached: the anomaly counts follow alerts,
// which change without an API write or an ingest commit.
//
// Invalidation: one scope, kReadingsScope, whose generation is bumped when
// what consumption reads may have changed: by the ingest worker after each
// commit that stored readings and after VEE writes (cli/worker_caches.h),
// and here after every successful API write (registry changes regroup
// meters; an edit's validated values follow from the worker's VEE, which
// bumps again). POSTed series are only queued in scaled mode, so they do
// not bump unless `ingest_stores` says the answer follows their storage.
//
// Failure: when the cache is unavailable the answer is computed and served
// as if uncached (X-Cache: bypass), counted and logged once a minute.
//
// Thread safety: thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "cache/log_throttle.h"
#include "cache/response_cache.h"
#include "http/message.h"
#include "obs/metrics.h"

namespace metrify::api {

// The scope every cached analytics answer belongs to.
inline constexpr std::string_view kReadingsScope = "readings";

struct ResponseCachePolicy {
  cache::ResponseCache* cache = nullptr;  // null: nothing cached (the default)
  std::chrono::milliseconds ttl{30000};   // safety net behind the generation bumps
  // True when POSTed series are stored before the answer (embedded mode), so
  // the API bumps after them; false when a worker stores them and bumps.
  bool ingest_stores = false;
};

class ResponseCaching {
 public:
  // Registers metrify_response_cache_requests_total{outcome}.
  ResponseCaching(ResponseCachePolicy policy, obs::MetricsRegistry& metrics);

  // True when `request` may be answered from the cache.
  bool Cacheable(const http::HttpRequest& request) const;
  // The answer to a Cacheable request: the cached one, or `compute()`'s
  // (stored when 200). Adds X-Cache: hit, miss or bypass.
  http::HttpResponse Serve(const http::HttpRequest& request,
                           const std::function<http::HttpResponse()>& compute);
  // After `request` was answered with `response`: bumps the scope when a
  // write succeeded that may change cached answers.
  void AfterWrite(const http::HttpRequest& request, const http::HttpResponse& response);

  // The cache key of `request`: path '?' name=value pairs sorted by name
  // (stable: repeats keep their order), '&' '=' '%' escaped; long keys as
  // "sha256:" and the digest of that text.
  static std::string KeyOf(const http::HttpRequest& request);

 private:
  void NoteUnavailable(std::string_view what, const Status& status);

  const ResponseCachePolicy policy_;
  obs::Counter& requests_;
  cache::LogThrottle log_throttle_;
};

}  // namespace metrify::api
