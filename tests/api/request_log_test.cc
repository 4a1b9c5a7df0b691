// Request ids and the access log: every response carries X-Request-ID, and
// the JSON log line of each request carries that id, the method, the route
// template (never the raw path) and the status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr size_t kBodyLimit = 4096;

class ApiRequestLogTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.env = {{"METRIFY_SERVER_MAX_BODY_BYTES", std::to_string(kBodyLimit)},
                   {"METRIFY_LOG_FORMAT", "json"}};
    StartServer(options);
  }

 protected:
  TestResponse GetWithId(std::string_view target, std::string id) {
    return http().Get(target, {{"X-Request-ID", std::move(id)}});
  }

  // The access log line ("msg":"request") of the request with `request_id`.
  JsonDoc AccessLine(const std::string& request_id) {
    std::string id_field = "\"request_id\":\"" + request_id + "\"";
    auto line = server().WaitForLogLine([&](std::string_view l) {
      return l.find(id_field) != std::string_view::npos &&
             l.find("\"msg\":\"request\"") != std::string_view::npos;
    });
    if (!line)
      ADD_FAILURE() << "no access log line for " << request_id << " in:\n" << server().log();
    return JsonDoc(line.value_or(""));
  }
};

TEST_F(ApiRequestLogTest, EveryResponseCarriesADistinctRequestId) {
  ASSERT_EQ(Post(kMeters, R"({"id":"RID-1"})").status, 201);
  std::vector<TestResponse> responses = {
      Get("/health"),
      Get("/health/live"),
      Get("/metrics"),
      Get("/openapi.json"),
      Get("/docs"),
      Get(kMeters),
      Get(ItemPath(kMeters, "RID-1")),
      Post(kMeters, R"({"id":"RID-2"})"),
      Patch(ItemPath(kMeters, "RID-2"), R"({"city":"x"})"),
      Delete(ItemPath(kMeters, "RID-2")),
      Get(ItemPath(kMeters, "RID-MISSING")),
      Get("/no/such/path"),
      Delete(kMeters),
      Post(kMeters, "{not json"),
      Post(kMeters, R"({"id":"RID-3","status":"x"})"),
      Post(kMeters, R"({"id":"RID-1"})"),
      http().Request("HEAD", "/health"),
  };
  std::set<std::string> ids;
  for (const TestResponse& r : responses) {
    std::string id = r.Header("X-Request-ID");
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{16}")) << "status " << r.status << " body " << r.body;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), responses.size()) << "request ids must be distinct";
}

TEST_F(ApiRequestLogTest, ServerMadeErrorsCarryARequestId) {
  TestResponse too_large = Post(kMeters, std::string(kBodyLimit + 1, ' '));
  EXPECT_EQ(too_large.status, 413);
  EXPECT_THAT(too_large.Header("X-Request-ID"), MatchesRegex("[0-9a-f]{16}"));
  std::string raw = RawExchange(server().port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_THAT(raw, ::testing::StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(raw, ::testing::ContainsRegex("X-Request-ID: [0-9a-f]{16}\r\n"));
}

TEST_F(ApiRequestLogTest, ValidClientRequestIdIsEchoed) {
  TestResponse r = GetWithId("/health/live", "trace-4711.a_b:c");
  EXPECT_EQ(r.Header("X-Request-ID"), "trace-4711.a_b:c");
}

TEST_F(ApiRequestLogTest, InvalidClientRequestIdIsReplaced) {
  for (std::string bad :
       {std::string("has space"), std::string("quote\"d"), std::string(65, 'a')}) {
    TestResponse r = GetWithId("/health/live", bad);
    EXPECT_THAT(r.Header("X-Request-ID"), MatchesRegex("[0-9a-f]{16}")) << bad;
  }
}

TEST_F(ApiRequestLogTest, AccessLogLineHasIdMethodRouteTemplateAndStatus) {
  ASSERT_EQ(Post(kMeters, R"({"id":"RAWID-4242"})").status, 201);
  TestResponse r = GetWithId(ItemPath(kMeters, "RAWID-4242"), "log-get-1");
  ASSERT_EQ(r.status, 200);
  JsonDoc line = AccessLine("log-get-1");
  EXPECT_EQ(line.String("/level"), "info");
  EXPECT_EQ(line.String("/method"), "GET");
  EXPECT_EQ(line.String("/route"), "/api/v1/smart-meters/{id}");
  EXPECT_EQ(line.Int("/status"), 200);
  EXPECT_GE(line.Number("/duration_ms"), 0.0);
  EXPECT_THAT(line.String("/remote"), ::testing::StartsWith("127.0.0.1:"));
  EXPECT_THAT(line.String("/time"),
              MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)"));
  EXPECT_THAT(line.text(), Not(HasSubstr("RAWID-4242")));
}

TEST_F(ApiRequestLogTest, AccessLogOfAFailedRequestHasItsStatus) {
  TestResponse r =
      http().Request("PATCH", ItemPath(kMeters, "RAWID-MISSING-9"), R"({"city":"x"})",
                     {{"X-Request-ID", "log-patch-404"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 404);
  JsonDoc line = AccessLine("log-patch-404");
  EXPECT_EQ(line.String("/method"), "PATCH");
  EXPECT_EQ(line.String("/route"), "/api/v1/smart-meters/{id}");
  EXPECT_EQ(line.Int("/status"), 404);
  EXPECT_THAT(line.text(), Not(HasSubstr("RAWID-MISSING-9")));
}

TEST_F(ApiRequestLogTest, AccessLogOfAnUnknownPathSaysUnmatched) {
  ASSERT_EQ(GetWithId("/secret/raw-path-123", "log-unmatched").status, 404);
  JsonDoc line = AccessLine("log-unmatched");
  EXPECT_EQ(line.String("/route"), "unmatched");
  EXPECT_EQ(line.Int("/status"), 404);
  EXPECT_THAT(line.text(), Not(HasSubstr("raw-path-123")));
}

TEST_F(ApiRequestLogTest, AccessLogOfAServerMadeErrorHasTheResponsesId) {
  TestResponse r =
      http().Request("POST", kMeters, std::string(kBodyLimit * 2, ' '),
                     {{"X-Request-ID", "log-413"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("X-Request-ID"), "log-413");
  JsonDoc line = AccessLine("log-413");
  EXPECT_EQ(line.Int("/status"), 413);
  EXPECT_EQ(line.String("/method"), "POST");
}

TEST_F(ApiRequestLogTest, EveryLogLineIsAJsonObjectWithTimeLevelAndMessage) {
  ASSERT_EQ(Post(kMeters, R"({"id":"LOGJSON-1"})").status, 201);
  TestResponse last = Get(ItemPath(kMeters, "NOPE"));
  ASSERT_EQ(last.status, 404);
  AccessLine(last.Header("X-Request-ID"));  // wait until the log has caught up
  std::istringstream lines(server().log());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    JsonDoc doc(line);
    ASSERT_TRUE(doc.ok()) << "not JSON: " << line;
    EXPECT_TRUE(doc.Has("/time") && doc.Has("/level") && doc.Has("/msg")) << line;
  }
  EXPECT_GE(count, 4);
}

TEST(ApiServerLogTest, SecretsFromTheEnvironmentNeverReachTheLog) {
  ServerOptions options;
  options.env = {{"METRIFY_POSTGRES_URL", "postgres://u:s3cretpw@db/x"},
                 {"METRIFY_POSTGRES_PASSWORD", "plainS3cret"},
                 {"METRIFY_LOG_LEVEL", "trace"}};
  ServerProcess server(options);
  TestHttpClient client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/health").status, 200);
  EXPECT_EQ(client.Get(ItemPath(kMeters, "NOPE")).status, 404);
  client.Close();
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  std::string log = server.log();
  EXPECT_THAT(log, HasSubstr("\"msg\":\"stopped\""));
  EXPECT_THAT(log, Not(HasSubstr("s3cretpw")));
  EXPECT_THAT(log, Not(HasSubstr("plainS3cret")));
}

TEST(ApiServerLogTest, ServingLineNamesProfileAddressAndDataDir) {
  ServerOptions options;
  options.args = {"--profile", "staging"};  // staging logs from info up
  ServerProcess server(options);
  auto line = server.WaitForLogLine(
      [](std::string_view l) { return l.find("\"msg\":\"metrify serving\"") != l.npos; });
  ASSERT_TRUE(line.has_value()) << server.log();
  JsonDoc serving(*line);
  EXPECT_EQ(serving.String("/version"), METRIFY_VERSION);
  EXPECT_EQ(serving.String("/profile"), "staging");
  EXPECT_EQ(serving.String("/listen"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(serving.String("/data_dir"), server.data_dir());
  TestHttpClient client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/health").status, 200);
  client.Close();
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  EXPECT_THAT(server.log(), Not(HasSubstr("\"level\":\"debug\"")));
}

}  // namespace
}  // namespace metrify::test
