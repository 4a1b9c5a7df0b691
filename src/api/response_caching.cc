#include "api/response_caching.h"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "common/time.h"
#include "obs/log.h"

namespace metrify::api {

namespace {

// Longer keys are hashed: a meter_ids list can be long, and every byte of
// the key is stored with each entry.
constexpr size_t kMaxPlainKey = 256;

void AppendEscaped(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (c == '&' || c == '=' || c == '%' || c < 0x20) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

bool IsIngestPost(const http::HttpRequest& request) {
  return request.method == "POST" &&
         (request.route == "/api/v1/readings" ||
          request.route == "/api/v1/smart-meters/{id}/readings" ||
          request.route == "/api/v1/grid-operators/{id}/status" ||
          request.route == "/api/v1/weather/stations/{id}/observations");
}

}  // namespace

ResponseCaching::ResponseCaching(ResponseCachePolicy policy, obs::MetricsRegistry& metrics)
    : policy_(std::move(policy)),
      requests_(metrics.AddCounter(
          "metrify_response_cache_requests_total",
          "Cacheable analytics requests by outcome (hit, miss, bypass: cache unavailable)",
          {"outcome"})) {}

bool ResponseCaching::Cacheable(const http::HttpRequest& request) const {
  return policy_.cache != nullptr && request.method == "GET" &&
         request.path == "/api/v1/analytics/consumption";
}

std::string ResponseCaching::KeyOf(const http::HttpRequest& request) {
  std::vector<const std::pair<std::string, std::string>*> params;
  params.reserve(request.query.size());
  for (const auto& p : request.query) params.push_back(&p);
  std::stable_sort(params.begin(), params.end(),
                   [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string key = request.path;
  key.push_back('?');
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) key.push_back('&');
    AppendEscaped(params[i]->first, &key);
    key.push_back('=');
    AppendEscaped(params[i]->second, &key);
  }
  return key.size() > kMaxPlainKey ? Sha256Hex(key) : key;
}

http::HttpResponse ResponseCaching::Serve(const http::HttpRequest& request,
                                          const std::function<http::HttpResponse()>& compute) {
  const std::string key = KeyOf(request);
  Result<cache::CacheLookup> lookup = policy_.cache->Get(kReadingsScope, key);
  if (!lookup) {
    NoteUnavailable("get", lookup.status());
    requests_.Inc({"bypass"});
    http::HttpResponse response = compute();
    response.headers.emplace_back("X-Cache", "bypass");
    return response;
  }
  if (lookup->body) {
    requests_.Inc({"hit"});
    http::HttpResponse response;
    response.body = std::move(*lookup->body);
    response.headers.emplace_back("X-Cache", "hit");
    return response;
  }
  requests_.Inc({"miss"});
  http::HttpResponse response = compute();
  // Stored under the generation seen before computing: if new data arrived
  // meanwhile, its Bump makes this Put a no-op (response_cache.h).
  if (response.status == 200 && response.content_type == "application/json") {
    if (Status put =
            policy_.cache->Put(kReadingsScope, key, lookup->generation, response.body, policy_.ttl);
        !put.ok()) {
      NoteUnavailable("put", put);
    }
  }
  response.headers.emplace_back("X-Cache", "miss");
  return response;
}

void ResponseCaching::AfterWrite(const http::HttpRequest& request,
                                 const http::HttpResponse& response) {
  if (policy_.cache == nullptr || response.status < 200 || response.status >= 300) return;
  if (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS") return;
  if (!request.path.starts_with("/api/v1/")) return;
  if (!policy_.ingest_stores && IsIngestPost(request)) return;
  if (Result<int64_t> bumped = policy_.cache->Bump(kReadingsScope); !bumped) {
    // Cached answers stay servable until their TTL: that is the staleness bound.
    NoteUnavailable("bump", bumped.status());
  }
}

void ResponseCaching::NoteUnavailable(std::string_view what, const Status& status) {
  int64_t held_back = 0;
  if (log_throttle_.Ready(NowMillis(), &held_back)) {
    obs::LogWarn(
        "response cache unavailable; serving uncached",
        {{"operation", what}, {"error", status.message()}, {"not_logged_since_last", held_back}});
  }
}

}  // namespace metrify::api
