#include "obs/metrics.h"

#include <gtest/gtest.h>

namespace metrify::obs {
namespace {

TEST(Metrics, CounterRendersHelpTypeAndEscapedLabels) {
  MetricsRegistry registry;
  Counter& c = registry.AddCounter("x_total", "Things.", {"route"});
  c.Inc({"/a/\"b\"\\"});
  c.Inc({"/a/\"b\"\\"}, 2);
  EXPECT_EQ(registry.Render(),
            "# HELP x_total Things.\n# TYPE x_total counter\n"
            "x_total{route=\"/a/\\\"b\\\"\\\\\"} 3\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInf) {
  MetricsRegistry registry;
  Histogram& h = registry.AddHistogram("d_seconds", "Durations.", {}, {0.1, 1});
  h.Observe({}, 0.05);
  h.Observe({}, 0.1);  // on the bound: le is inclusive
  h.Observe({}, 5);
  std::string text = registry.Render();
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_sum 5.15\n"), std::string::npos) << text;
}

TEST(Metrics, CallbackGaugeIsReadAtScrapeTime) {
  MetricsRegistry registry;
  double value = 1;
  registry.AddGauge("g", "A gauge.").SetCallback([&] { return value; });
  value = 7;
  EXPECT_NE(registry.Render().find("g 7\n"), std::string::npos);
}

}  // namespace
}  // namespace metrify::obs
