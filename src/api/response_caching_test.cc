// ResponseCaching without a server, on the in-process cache: the key is
// independent of parameter order, a second request is a hit, writes bump
// the scope (queued ingest does not), and only 200 answers are stored.
#include "api/response_caching.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace metrify::api {
namespace {

constexpr char kPath[] = "/api/v1/analytics/consumption";

http::HttpRequest Get(std::vector<std::pair<std::string, std::string>> query) {
  http::HttpRequest r;
  r.method = "GET";
  r.path = kPath;
  r.query = std::move(query);
  return r;
}

std::string XCache(const http::HttpResponse& r) {
  for (const auto& [n, v] : r.headers) {
    if (n == "X-Cache") return v;
  }
  return "";
}

TEST(ResponseCachingTest, KeyIgnoresParameterOrderButNotValues) {
  const std::string key = ResponseCaching::KeyOf(Get({{"b", "2"}, {"a", "1"}}));
  EXPECT_EQ(key, ResponseCaching::KeyOf(Get({{"a", "1"}, {"b", "2"}})));
  EXPECT_EQ(key, std::string(kPath) + "?a=1&b=2");
  EXPECT_NE(key, ResponseCaching::KeyOf(Get({{"a", "1"}, {"b", "3"}})));
  // Separators inside values cannot forge another query.
  EXPECT_NE(ResponseCaching::KeyOf(Get({{"a", "1&b=2"}})), key);
  // Repeats keep their order: the first value is the one in force.
  EXPECT_NE(ResponseCaching::KeyOf(Get({{"a", "1"}, {"a", "2"}})),
            ResponseCaching::KeyOf(Get({{"a", "2"}, {"a", "1"}})));
  const std::string long_key = ResponseCaching::KeyOf(Get({{"meter_ids", std::string(500, 'x')}}));
  EXPECT_EQ(long_key.rfind("sha256:", 0), 0u);
  EXPECT_EQ(long_key.size(), 7u + 64u);
}

class ResponseCachingFixture : public ::testing::Test {
 protected:
  http::HttpResponse Serve(const http::HttpRequest& request, int status = 200) {
    return caching_.Serve(request, [&] {
      ++computed_;
      http::HttpResponse r;
      r.status = status;
      r.body = "answer " + std::to_string(computed_);
      return r;
    });
  }

  cache::LocalResponseCache cache_;
  obs::MetricsRegistry metrics_;
  ResponseCaching caching_{{.cache = &cache_}, metrics_};
  int computed_ = 0;
};

TEST_F(ResponseCachingFixture, SecondRequestIsAHitUntilAWriteBumps) {
  const http::HttpRequest request = Get({{"interval", "1h"}});
  EXPECT_TRUE(caching_.Cacheable(request));
  EXPECT_EQ(XCache(Serve(request)), "miss");
  http::HttpResponse hit = Serve(request);
  EXPECT_EQ(XCache(hit), "hit");
  EXPECT_EQ(hit.body, "answer 1");

  http::HttpRequest ingest;
  ingest.method = "POST";
  ingest.path = "/api/v1/readings";
  ingest.route = "/api/v1/readings";
  http::HttpResponse ok;
  caching_.AfterWrite(ingest, ok);  // queued for a worker: no bump
  EXPECT_EQ(XCache(Serve(request)), "hit");

  http::HttpRequest patch;
  patch.method = "PATCH";
  patch.path = "/api/v1/smart-meters/SM1";
  patch.route = "/api/v1/smart-meters/{id}";
  http::HttpResponse refused;
  refused.status = 422;
  caching_.AfterWrite(patch, refused);  // nothing changed
  EXPECT_EQ(XCache(Serve(request)), "hit");
  caching_.AfterWrite(patch, ok);
  http::HttpResponse after = Serve(request);
  EXPECT_EQ(XCache(after), "miss");
  EXPECT_EQ(after.body, "answer 2");
}

TEST_F(ResponseCachingFixture, ErrorsAreNotStored) {
  const http::HttpRequest request = Get({{"interval", "bogus"}});
  EXPECT_EQ(XCache(Serve(request, 422)), "miss");
  EXPECT_EQ(XCache(Serve(request, 422)), "miss");
  EXPECT_EQ(computed_, 2);
}

TEST(ResponseCachingTest, OnlyConsumptionGetsAreCacheable) {
  cache::LocalResponseCache cache;
  obs::MetricsRegistry metrics;
  ResponseCaching caching({.cache = &cache}, metrics);
  http::HttpRequest r = Get({});
  r.path = "/api/v1/analytics/anomalies";
  EXPECT_FALSE(caching.Cacheable(r));
  r = Get({});
  r.method = "POST";
  EXPECT_FALSE(caching.Cacheable(r));
  obs::MetricsRegistry other;
  ResponseCaching off({}, other);
  EXPECT_FALSE(off.Cacheable(Get({})));
}

}  // namespace
}  // namespace metrify::api
