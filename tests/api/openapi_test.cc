// The API's self-description: /openapi.json is an OpenAPI 3.0 document and
// /docs an HTML page. Only the shape is checked here; the documents' content
// has its own tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ApiDocsTest = ServerTest;

TEST_F(ApiDocsTest, OpenapiJsonIsAnOpenapi30Document) {
  TestResponse r = Get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("Content-Type"), ::testing::StartsWith("application/json"));
  JsonDoc doc(r.body);
  ASSERT_TRUE(doc.ok()) << "not JSON: " << r.body.substr(0, 200);
  EXPECT_THAT(doc.String("/openapi"), ::testing::StartsWith("3.0"));
  EXPECT_FALSE(doc.String("/info/title").empty());
  EXPECT_TRUE(doc.Has("/paths"));
}

TEST_F(ApiDocsTest, DocsIsAnHtmlPage) {
  TestResponse r = Get("/docs");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("Content-Type"), ::testing::StartsWith("text/html"));
  EXPECT_THAT(r.body, ::testing::ContainsRegex("<(!doctype|!DOCTYPE) html"));
  EXPECT_THAT(r.body, ::testing::HasSubstr("<title>"));
}

}  // namespace
}  // namespace metrify::test
