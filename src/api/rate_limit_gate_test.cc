// RateLimitGate without a server: who counts as the client, what is exempt,
// the headers of an allowed request and the 429 of a refused one, on an
// in-process limiter and a clock the test moves.
#include "api/rate_limit_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace metrify::api {
namespace {

using ::testing::HasSubstr;

http::HttpRequest RequestFrom(std::string remote, std::string path = "/api/v1/smart-meters") {
  http::HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.remote = std::move(remote);
  return r;
}

std::string HeaderOf(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(RateLimitGateTest, ClientIsThePeerAddressWithoutItsPort) {
  EXPECT_EQ(RateLimitGate::ClientOf(RequestFrom("10.1.2.3:5555"), ""), "10.1.2.3");
  EXPECT_EQ(RateLimitGate::ClientOf(RequestFrom("[::1]:5555"), ""), "[::1]");
}

TEST(RateLimitGateTest, ClientHeaderCountsItsRightmostEntry) {
  http::HttpRequest r = RequestFrom("127.0.0.1:1");
  r.headers.emplace_back("x-forwarded-for", "6.6.6.6, 10.0.0.9 ");
  EXPECT_EQ(RateLimitGate::ClientOf(r, "X-Forwarded-For"), "10.0.0.9");
  // Without the header (a request that bypassed the proxy): the peer.
  EXPECT_EQ(RateLimitGate::ClientOf(RequestFrom("127.0.0.1:1"), "X-Forwarded-For"), "127.0.0.1");
}

TEST(RateLimitGateTest, HealthAndMetricsAreExempt) {
  EXPECT_TRUE(RateLimitGate::Exempt("/health"));
  EXPECT_TRUE(RateLimitGate::Exempt("/health/ready"));
  EXPECT_TRUE(RateLimitGate::Exempt("/metrics"));
  EXPECT_FALSE(RateLimitGate::Exempt("/healthz"));
  EXPECT_FALSE(RateLimitGate::Exempt("/api/v1/readings"));
}

TEST(RateLimitGateTest, RefusesPastTheBudgetUntilTheWindowEnds) {
  const cache::RateLimit limit{.limit = 2, .window_ms = 10'000};
  cache::LocalRateLimiter limiter(limit);
  obs::MetricsRegistry metrics;
  int64_t now = 1'000'000'003'000;  // 3 s into a 10 s window
  RateLimitGate gate({.limiter = &limiter, .limit = limit}, metrics, [&] { return now; });
  HeaderList headers;
  EXPECT_FALSE(gate.Admit(RequestFrom("1.1.1.1:1"), &headers));
  EXPECT_EQ(HeaderOf(headers, "RateLimit-Remaining"), "1");
  EXPECT_EQ(HeaderOf(headers, "RateLimit-Reset"), "7");
  EXPECT_EQ(HeaderOf(headers, "RateLimit-Policy"), "2;w=10");
  headers.clear();
  EXPECT_FALSE(gate.Admit(RequestFrom("1.1.1.1:2"), &headers));
  EXPECT_FALSE(gate.Admit(RequestFrom("1.1.1.1:3", "/health"), &headers));
  std::optional<http::HttpResponse> refused = gate.Admit(RequestFrom("1.1.1.1:4"), &headers);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_THAT(refused->body, HasSubstr(R"("code":"rate_limited")"));
  EXPECT_THAT(refused->headers,
              ::testing::Contains(std::pair<std::string, std::string>("Retry-After", "7")));
  // Another client has its own budget; the next window starts afresh.
  EXPECT_FALSE(gate.Admit(RequestFrom("2.2.2.2:1"), &headers));
  now += 7'000;
  EXPECT_FALSE(gate.Admit(RequestFrom("1.1.1.1:5"), &headers));
  EXPECT_THAT(metrics.Render(), HasSubstr("metrify_ratelimit_rejected_total 1\n"));
}

TEST(RateLimitGateTest, NoLimiterAdmitsEverythingWithoutHeaders) {
  obs::MetricsRegistry metrics;
  RateLimitGate gate({}, metrics);
  HeaderList headers;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(gate.Admit(RequestFrom("1.1.1.1:1"), &headers));
  EXPECT_TRUE(headers.empty());
}

}  // namespace
}  // namespace metrify::api
