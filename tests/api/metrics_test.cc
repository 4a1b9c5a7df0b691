// /metrics of a real server: valid Prometheus text (checked by the real
// promtool), series labelled by route template and never by a raw id, and
// counters that count.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kRequests = "metrify_http_requests_total";
constexpr std::string_view kGetMeter200 =
    R"(method="GET",route="/api/v1/smart-meters/{id}",status="200")";

class ApiMetricsTest : public ServerTest {
 protected:
  // Requests of every kind, so every metric family has series.
  void MakeTraffic() {
    // Created now, or by an earlier test sharing the server.
    ASSERT_THAT(Post(kMeters, R"({"id":"MTR-RAW-31337"})").status, ::testing::AnyOf(201, 409));
    EXPECT_EQ(Get(ItemPath(kMeters, "MTR-RAW-31337")).status, 200);
    EXPECT_EQ(Get(ItemPath(kMeters, "MTR-RAW-MISSING")).status, 404);
    EXPECT_EQ(Patch(ItemPath(kMeters, "MTR-RAW-31337"), R"({"status":"x"})").status, 422);
    EXPECT_EQ(Get("/unknown/raw/path-555").status, 404);
    EXPECT_EQ(Delete(kMeters).status, 405);
    EXPECT_EQ(Get("/health").status, 200);
  }
};

TEST_F(ApiMetricsTest, ExpositionPassesPromtoolCheck) {
  MakeTraffic();
  TestResponse r = Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("Content-Type"), ::testing::StartsWith("text/plain; version=0.0.4"));
  ProgramResult promtool = RunProgram({"/usr/bin/promtool", "check", "metrics"}, {}, r.body);
  EXPECT_EQ(promtool.exit_code, 0) << "promtool says:\n"
                                   << promtool.out << promtool.err << "\nfor:\n"
                                   << r.body;
}

TEST_F(ApiMetricsTest, PromtoolRejectsBrokenExposition) {
  // Guards the check above: promtool must actually be judging the input.
  ProgramResult promtool =
      RunProgram({"/usr/bin/promtool", "check", "metrics"}, {}, "# TYPE x counter\nx{a=\"1\" 1\n");
  EXPECT_NE(promtool.exit_code, 0);
}

TEST_F(ApiMetricsTest, RoutesAreLabelledByTemplateNeverByRawPath) {
  MakeTraffic();
  std::string body = Get("/metrics").body;
  EXPECT_THAT(body, HasSubstr(R"(route="/api/v1/smart-meters/{id}")"));
  EXPECT_THAT(body, HasSubstr(R"(route="/api/v1/smart-meters")"));
  EXPECT_THAT(body, HasSubstr(R"(route="unmatched")"));
  EXPECT_THAT(body, Not(HasSubstr("MTR-RAW")));
  EXPECT_THAT(body, Not(HasSubstr("path-555")));
}

TEST_F(ApiMetricsTest, RequestCounterCountsEachRequestOnce) {
  ASSERT_EQ(Post(kMeters, R"({"id":"MTR-COUNT"})").status, 201);
  ASSERT_EQ(Get(ItemPath(kMeters, "MTR-COUNT")).status, 200);
  std::optional<double> before = ScrapeUntil(http(), kRequests, kGetMeter200, 1);
  ASSERT_TRUE(before.has_value());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Get(ItemPath(kMeters, "MTR-COUNT")).status, 200);
  std::optional<double> after = ScrapeUntil(http(), kRequests, kGetMeter200, *before + 5);
  EXPECT_EQ(after, *before + 5);
}

TEST_F(ApiMetricsTest, ErrorsAreCountedByClass) {
  std::string labels = R"(method="GET",route="/api/v1/smart-meters/{id}",class="4xx")";
  double before =
      MetricValue(Get("/metrics").body, "metrify_http_request_errors_total", labels).value_or(0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get(ItemPath(kMeters, "MTR-NONE")).status, 404);
  EXPECT_EQ(ScrapeUntil(http(), "metrify_http_request_errors_total", labels, before + 3),
            before + 3);
  EXPECT_EQ(
      ScrapeUntil(http(), kRequests,
                  R"(method="GET",route="/api/v1/smart-meters/{id}",status="404")", before + 3),
      before + 3);
}

TEST_F(ApiMetricsTest, DurationHistogramCountsRequests) {
  std::string labels = R"(method="POST",route="/api/v1/smart-meters")";
  double before =
      MetricValue(Get("/metrics").body, "metrify_http_request_duration_seconds_count", labels)
          .value_or(0);
  ASSERT_EQ(Post(kMeters, R"({"id":"MTR-HIST-1"})").status, 201);
  ASSERT_EQ(Post(kMeters, R"({"id":"MTR-HIST-2"})").status, 201);
  std::optional<double> count =
      ScrapeUntil(http(), "metrify_http_request_duration_seconds_count", labels, before + 2);
  EXPECT_EQ(count, before + 2);
  std::string body = Get("/metrics").body;
  std::string inf = R"(method="POST",route="/api/v1/smart-meters",le="+Inf")";
  EXPECT_EQ(MetricValue(body, "metrify_http_request_duration_seconds_bucket", inf), count);
  EXPECT_GT(MetricValue(body, "metrify_http_request_duration_seconds_sum", labels).value_or(0),
            0.0);
}

TEST_F(ApiMetricsTest, InFlightGaugeCountsTheScrapeItself) {
  std::optional<double> in_flight =
      MetricValue(Get("/metrics").body, "metrify_http_requests_in_flight", "");
  EXPECT_EQ(in_flight, 1.0);
}

TEST_F(ApiMetricsTest, ValidationReportsItsProgress) {
  METRIFY_SKIP_IN_SCALED_MODE(
      "VEE runs in the ingest worker, whose /metrics carry its gauges (docs/scaled.md, "
      "\"Worker endpoints\"); a scaled serve has none");
  ASSERT_THAT(Post(kMeters, R"({"id":"MTR-VEE-1"})").status, ::testing::AnyOf(201, 409));
  // Two hours of readings with the middle one missing: VEE estimates it
  // and stores that in the overlay.
  std::string csv = "meter_id,timestamp,energy_kwh\n";
  for (int i = 1; i <= 8; ++i) {
    if (i == 4) continue;
    csv += "MTR-VEE-1," + std::to_string(1736899200000 + i * 900000) + ",0.25\n";
  }
  ASSERT_EQ(Post("/api/v1/readings", csv, "text/csv").status, 200);
  std::optional<double> windows, overlay, pending;
  for (int attempt = 0; attempt < 100; ++attempt) {  // the worker runs beside the request
    const std::string body = Get("/metrics").body;
    windows = MetricValue(body, "metrify_vee_windows_total", "");
    overlay = MetricValue(body, "metrify_vee_overlay_rows_total", "");
    pending = MetricValue(body, "metrify_vee_pending_meters", "");
    if (windows.value_or(0) >= 1 && overlay.value_or(0) >= 1 && pending == 0.0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(windows.value_or(0), 1);
  EXPECT_GE(overlay.value_or(0), 1) << "the estimated interval";
  EXPECT_EQ(pending, 0.0);
  EXPECT_EQ(MetricValue(Get("/metrics").body, "metrify_vee_errors_total", ""), 0.0);
}

// Ingest counts every item by kind and outcome; the response is sent after
// the count, so a scrape right after it sees the new totals.
TEST_F(ApiMetricsTest, IngestCountsItemsByKindAndOutcome) {
  METRIFY_SKIP_IN_SCALED_MODE(
      "only the ingest worker knows inserted/unchanged/revised "
      "(metrify_worker_samples_total); the API counts what it queued");
  ASSERT_THAT(Post(kMeters, R"({"id":"MTR-INGEST-1"})").status, ::testing::AnyOf(201, 409));
  auto value = [this](const char* outcome) {
    return MetricValue(Get("/metrics").body, "metrify_ingest_samples_total",
                       std::string(R"(kind="reading",outcome=")") + outcome + "\"")
        .value_or(0);
  };
  const double inserted = value("inserted"), unchanged = value("unchanged"),
               revised = value("revised"), rejected = value("rejected");
  const std::string csv =
      "meter_id,timestamp,energy_kwh\n"
      "MTR-INGEST-1,1736900100000,0.25\n"
      "MTR-INGEST-1,1736901000000,0.5\n"
      "MTR-INGEST-UNKNOWN,1736901000000,0.5\n";
  ASSERT_EQ(Post("/api/v1/readings", csv, "text/csv").status, 200);
  EXPECT_EQ(value("inserted"), inserted + 2);
  EXPECT_EQ(value("rejected"), rejected + 1);
  // The same again, one value changed: a retry and a revision.
  const std::string again =
      "meter_id,timestamp,energy_kwh\n"
      "MTR-INGEST-1,1736900100000,0.25\n"
      "MTR-INGEST-1,1736901000000,0.75\n";
  ASSERT_EQ(Post("/api/v1/readings", again, "text/csv").status, 200);
  EXPECT_EQ(value("inserted"), inserted + 2);
  EXPECT_EQ(value("unchanged"), unchanged + 1);
  EXPECT_EQ(value("revised"), revised + 1);
}

TEST(ApiMetricsVeeOffTest, WithValidationOffThereIsNoValidation) {
  ServerOptions options;
  options.env = {{"METRIFY_VEE_ENABLED", "false"}};
  ServerProcess server(options);
  TestHttpClient client("127.0.0.1", server.port());
  const TestResponse r = client.Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, Not(HasSubstr("metrify_vee_")));
}

}  // namespace
}  // namespace metrify::test
