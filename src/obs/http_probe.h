// HttpProbe: the HTTP server's metrics, labelled by route template (never by
// raw path, so a fleet of meter ids cannot explode the series count):
//   metrify_http_requests_total{method,route,status}
//   metrify_http_request_errors_total{method,route,class}   class = 4xx | 5xx
//   metrify_http_request_duration_seconds{method,route}      histogram
//   metrify_http_requests_in_flight
#pragma once

#include <atomic>
#include <string_view>

#include "obs/metrics.h"

namespace metrify::obs {

class HttpProbe {
 public:
  explicit HttpProbe(MetricsRegistry& registry);

  // `route` is the matched template, or "" when none matched.
  void RequestDone(std::string_view method, std::string_view route, int status, double seconds);
  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void RequestFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  Counter& requests_;
  Counter& errors_;
  Histogram& duration_;
  Gauge& in_flight_gauge_;
  std::atomic<int64_t> in_flight_{0};
};

// Methods outside the standard set are reported as "OTHER".
std::string_view MethodLabel(std::string_view method);

}  // namespace metrify::obs
