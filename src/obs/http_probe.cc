#include "obs/http_probe.h"

#include <string>

namespace metrify::obs {

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view m : kKnown) {
    if (m == method) return m;
  }
  return "OTHER";
}

HttpProbe::HttpProbe(MetricsRegistry& registry)
    : requests_(registry.AddCounter("metrify_http_requests_total",
                                    "HTTP requests answered, by method, route template and status.",
                                    {"method", "route", "status"})),
      errors_(registry.AddCounter("metrify_http_request_errors_total",
                                  "HTTP requests answered with a 4xx or 5xx status.",
                                  {"method", "route", "class"})),
      duration_(registry.AddHistogram(
          "metrify_http_request_duration_seconds",
          "Time from a complete request to its response being written, by route template.",
          {"method", "route"},
          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      in_flight_gauge_(registry.AddGauge("metrify_http_requests_in_flight",
                                         "HTTP requests being handled right now.")) {
  in_flight_gauge_.SetCallback(
      [this] { return static_cast<double>(in_flight_.load(std::memory_order_relaxed)); });
}

void HttpProbe::RequestDone(std::string_view method, std::string_view route, int status,
                            double seconds) {
  std::string m(MethodLabel(method));
  std::string r = route.empty() ? "unmatched" : std::string(route);
  requests_.Inc({m, r, std::to_string(status)});
  if (status >= 400) errors_.Inc({m, r, status >= 500 ? "5xx" : "4xx"});
  duration_.Observe({m, r}, seconds);
}

}  // namespace metrify::obs
