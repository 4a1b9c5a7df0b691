// ServerTest: a gtest fixture whose suite shares one real `metrify serve`
// (started in SetUpTestSuite, stopped in TearDownTestSuite), plus the
// assertions every API test needs: the one error shape, the details of a 422.
//
// With METRIFY_TEST_MODE=scaled in the environment, the server is scaled mode
// instead (scaled_api_servers.h): a scaled `metrify serve` on a fresh
// PostgreSQL database with one ingest worker, and a write through http()
// that queues ingest returns only once the worker has stored it and VEE has
// drained, so tests read back what they posted as in embedded mode. Tests
// whose assertions only hold for the embedded engine skip there with
// METRIFY_SKIP_IN_SCALED_MODE (docs/testing.md, "The API suite in scaled
// mode").
//
// Under ctest every TEST runs in its own process, so each test gets a fresh
// server there; run directly, the tests of a suite share one. Tests in a
// shared suite therefore use their own ids and filter values, never assume an
// empty registry, and never stop the shared server.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_client.h"
#include "support/json_doc.h"
#include "support/server_process.h"

namespace metrify::test {

inline constexpr std::string_view kMeters = "/api/v1/smart-meters";
inline constexpr std::string_view kOperators = "/api/v1/grid-operators";
inline constexpr std::string_view kStations = "/api/v1/weather/stations";

class ServerTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }
  // True when the suite runs against scaled mode (METRIFY_TEST_MODE=scaled).
  static bool scaled();

 protected:
  // For suites that need options: call from their own SetUpTestSuite.
  static void StartServer(ServerOptions options = {});
  static void StopServer();

  void SetUp() override { ASSERT_TRUE(server_) << "the suite's metrify serve did not start"; }

  static ServerProcess& server() { return *server_; }
  // One keep-alive connection per test.
  TestHttpClient& http();

  TestResponse Get(std::string_view target) { return http().Get(target); }
  TestResponse Post(std::string_view target, std::string body,
                    std::string_view content_type = "application/json") {
    return http().Post(target, std::move(body), content_type);
  }
  TestResponse Put(std::string_view target, std::string body) {
    return http().Put(target, std::move(body));
  }
  TestResponse Patch(std::string_view target, std::string body) {
    return http().Request("PATCH", target, std::move(body), {{"Content-Type", "application/json"}});
  }
  TestResponse Delete(std::string_view target) { return http().Delete(target); }

 private:
  static std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<TestHttpClient> http_;
};

// Like ServerTest, but every test gets a server of its own: for tests whose
// scenario files have fixed ids, which a shared registry would refuse the
// second time.
class FreshServerTest : public ServerTest {
 public:
  static void SetUpTestSuite() {}

 protected:
  void SetUp() override {
    StartServer();
    ServerTest::SetUp();
  }
  void TearDown() override { StopServer(); }
};

// Skips the test in scaled mode, saying why its assertions hold only for the
// embedded engine. Use as the first statement of a TEST_F body.
#define METRIFY_SKIP_IN_SCALED_MODE(why) \
  if (::metrify::test::ServerTest::scaled()) GTEST_SKIP() << "not in scaled mode: " << (why)

// `base` + "/" + `id`.
std::string ItemPath(std::string_view base, std::string_view id);

// True when `response` has `status` and the API's one error body,
// {"error":{"code","message","details":[{"field"?,"code","message"}]}}, with
// exactly those members, `code` as its code and a non-empty message.
::testing::AssertionResult IsApiError(const TestResponse& response, int status,
                                      std::string_view code);

// "field:code" for each detail of an error body, e.g. "latitude:out_of_range".
std::vector<std::string> ErrorDetails(const TestResponse& response);

// The value of one series in Prometheus text, e.g.
// MetricValue(body, "metrify_http_requests_total", R"(method="GET",route="/health",status="200")").
// `labels` must be in the order the server writes them; nullopt if absent.
std::optional<double> MetricValue(std::string_view exposition, std::string_view name,
                                  std::string_view labels);

// Scrapes /metrics through `client` until the series reaches `at_least`
// (metrics are recorded just after a response is written, so a scrape right
// after a response may not see it yet); returns the last value seen, nullopt
// if the series never appeared.
std::optional<double> ScrapeUntil(TestHttpClient& client, std::string_view name,
                                  std::string_view labels, double at_least);

}  // namespace metrify::test
