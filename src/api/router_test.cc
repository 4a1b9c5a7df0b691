#include "api/router.h"

#include <gtest/gtest.h>

namespace metrify::api {
namespace {

http::HttpResponse Echo(const std::string& body) {
  http::HttpResponse r;
  r.body = body;
  return r;
}

Router MakeRouter() {
  Router router;
  router.Add("GET", "/api/v1/smart-meters", [](auto&, const PathParams&) { return Echo("list"); });
  router.Add("GET", "/api/v1/smart-meters/{id}",
             [](auto&, const PathParams& p) { return Echo("get " + p.Get("id")); });
  router.Add("DELETE", "/api/v1/smart-meters/{id}",
             [](auto&, const PathParams&) { return Echo("delete"); });
  return router;
}

http::HttpRequest Request(std::string method, std::string path) {
  http::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(Router, PlaceholderMatchesOneSegmentAndRecordsTheTemplate) {
  Router router = MakeRouter();
  auto request = Request("GET", "/api/v1/smart-meters/SM1");
  EXPECT_EQ(router.Dispatch(request).body, "get SM1");
  EXPECT_EQ(request.route, "/api/v1/smart-meters/{id}");
  auto deeper = Request("GET", "/api/v1/smart-meters/SM1/extra");
  EXPECT_EQ(router.Dispatch(deeper).status, 404);
  EXPECT_EQ(deeper.route, "");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = MakeRouter();
  auto request = Request("PUT", "/api/v1/smart-meters/SM1");
  http::HttpResponse response = router.Dispatch(request);
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "GET, DELETE");
  EXPECT_EQ(request.route, "/api/v1/smart-meters/{id}");
}

TEST(Router, HeadFallsBackToGetAndTrailingSlashIsTolerated) {
  Router router = MakeRouter();
  auto head = Request("HEAD", "/api/v1/smart-meters/");
  EXPECT_EQ(router.Dispatch(head).body, "list");
}

// The root is a route of its own (the dashboard), and only the root.
TEST(Router, RootMatchesOnlyTheRoot) {
  Router router = MakeRouter();
  router.Add("GET", "/", [](auto&, const PathParams&) { return Echo("root"); });
  auto root = Request("GET", "/");
  EXPECT_EQ(router.Dispatch(root).body, "root");
  EXPECT_EQ(root.route, "/");
  auto post = Request("POST", "/");
  EXPECT_EQ(router.Dispatch(post).status, 405);
  auto list = Request("GET", "/api/v1/smart-meters");
  EXPECT_EQ(router.Dispatch(list).body, "list");
  auto empty_segment = Request("GET", "/api/v1/smart-meters//");
  EXPECT_EQ(router.Dispatch(empty_segment).status, 404);
}

}  // namespace
}  // namespace metrify::api
