// Health endpoints of a real `metrify serve`: /health reports every
// component with its latency, /health/live and /health/ready answer 200.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ApiHealthTest = ServerTest;

TEST_F(ApiHealthTest, HealthReportsHealthyWithVersionAndUptime) {
  TestResponse r = Get("/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.Header("Content-Type"), ::testing::StartsWith("application/json"));
  JsonDoc doc(r.body);
  ASSERT_TRUE(doc.ok()) << r.body;
  EXPECT_EQ(doc.String("/status"), "healthy");
  EXPECT_EQ(doc.String("/version"), METRIFY_VERSION);
  EXPECT_GE(doc.Number("/uptime_s"), 0.0);
  EXPECT_LT(doc.Number("/uptime_s"), 3600.0);
}

TEST_F(ApiHealthTest, HealthReportsRegistryStatusAndLatency) {
  JsonDoc doc(Get("/health").body);
  EXPECT_EQ(doc.String("/components/registry/status"), "healthy");
  EXPECT_GE(doc.Number("/components/registry/latency_ms"), 0.0);
  EXPECT_GE(doc.Int("/components/registry/schema_version"), 1);
}

TEST_F(ApiHealthTest, HealthReportsDiskWithFreeBytes) {
  if (scaled()) {
    // A scaled replica keeps nothing on disk: its health is the database's.
    EXPECT_FALSE(JsonDoc(Get("/health").body).Has("/components/disk"));
    return;
  }
  JsonDoc doc(Get("/health").body);
  EXPECT_EQ(doc.String("/components/disk/status"), "healthy");
  EXPECT_GE(doc.Number("/components/disk/latency_ms"), 0.0);
  double free_bytes = doc.Number("/components/disk/free_bytes");
  EXPECT_GT(free_bytes, 0.0);
  EXPECT_LE(free_bytes, doc.Number("/components/disk/total_bytes"));
}

TEST_F(ApiHealthTest, UptimeGrowsBetweenCalls) {
  double first = JsonDoc(Get("/health").body).Number("/uptime_s");
  // Poll instead of sleeping a fixed time: uptime has millisecond resolution.
  double later = first;
  for (int i = 0; i < 2000 && later <= first; ++i)
    later = JsonDoc(Get("/health").body).Number("/uptime_s");
  EXPECT_GT(later, first);
}

TEST_F(ApiHealthTest, LiveAnswers200) {
  TestResponse r = Get("/health/live");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(JsonDoc(r.body).String("/status"), "alive");
}

TEST_F(ApiHealthTest, ReadyAnswers200WhenRegistryAndDiskAreFine) {
  TestResponse r = Get("/health/ready");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonDoc(r.body).String("/status"), "ready");
}

TEST_F(ApiHealthTest, HeadOnHealthHasHeadersButNoBody) {
  TestResponse r = http().Request("HEAD", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.Header("X-Request-ID").empty());
}

}  // namespace
}  // namespace metrify::test
