#include "api/api.h"

#include <cmath>
#include <exception>
#include <optional>

#include "api/admin_routes.h"
#include "api/assets.h"
#include "api/dashboard_routes.h"
#include "api/entity_routes.h"
#include "api/overview_routes.h"
#include "api/responses.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "obs/log.h"

namespace metrify::api {

using http::HttpRequest;
using http::HttpResponse;

Api::Api(registry::Registry& registry, HealthChecker& health, obs::MetricsRegistry& metrics,
         SeriesBackend& series, ApiCaching caching)
    : registry_(registry),
      series_(series),
      health_(health),
      metrics_(metrics),
      probe_(metrics),
      rate_limit_(std::move(caching.rate_limit), metrics),
      responses_(std::move(caching.responses), metrics),
      started_ms_(NowMillis()) {
  if (caching.register_metrics) caching.register_metrics(metrics);
  AddSystemRoutes();
  AddEntityRoutes<model::Meter>(router_, registry_, "/api/v1/smart-meters");
  AddEntityRoutes<model::GridOperator>(router_, registry_, "/api/v1/grid-operators");
  AddEntityRoutes<model::WeatherStation>(router_, registry_, "/api/v1/weather/stations");
  AddIngestRoutes(router_, series_);
  AddSeriesQueryRoutes(router_, series_);
  AddFleetRoutes(router_, series_);
  AddEditRoutes(router_, series_);
  AddQualityRoutes(router_, series_);
  AddAlertRoutes(router_, series_);
  AddAdminRoutes(router_, registry_, series_.engine);
  AddOverviewRoutes(router_, series_);
  AddDashboardRoutes(router_);
}

namespace {
HttpResponse Static(std::string_view body, std::string content_type) {
  HttpResponse r;
  r.body = std::string(body);
  r.content_type = std::move(content_type);
  return r;
}
}  // namespace

void Api::AddSystemRoutes() {
  router_.Add("GET", "/health",
              [this](HttpRequest&, const PathParams&) { return HealthResponse(); });
  router_.Add("GET", "/health/live", [](HttpRequest&, const PathParams&) {
    return JsonResponse(200, R"({"status":"alive"})");
  });
  router_.Add("GET", "/health/ready", [this](HttpRequest&, const PathParams&) {
    if (draining_) return http::MakeErrorResponse(503, "draining", "server is shutting down");
    HealthReport report = health_.Check();
    if (report.state == HealthState::kUnhealthy) {
      return http::MakeErrorResponse(503, "unhealthy", "a component is unhealthy; see /health");
    }
    return JsonResponse(200, R"({"status":"ready"})");
  });
  router_.Add("GET", "/metrics", [this](HttpRequest&, const PathParams&) {
    return Static(metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  router_.Add("GET", "/openapi.json", [](HttpRequest&, const PathParams&) {
    return Static(assets::kOpenapiJson, "application/json");
  });
  router_.Add("GET", "/docs", [](HttpRequest&, const PathParams&) {
    return Static(assets::kDocsHtml, "text/html; charset=utf-8");
  });
}

HttpResponse Api::HealthResponse() const {
  HealthReport report = health_.Check();
  JsonWriter w;
  w.BeginObject();
  w.Key("status").String(HealthStateName(report.state));
  w.Key("version").String(METRIFY_VERSION);
  w.Key("uptime_s").Number(static_cast<double>(NowMillis() - started_ms_) / 1000.0);
  w.Key("components").BeginObject();
  for (const ComponentHealth& c : report.components) {
    w.Key(c.name).BeginObject();
    w.Key("status").String(HealthStateName(c.state));
    w.Key("latency_ms").Number(c.latency_ms);
    if (!c.message.empty()) w.Key("message").String(c.message);
    for (const auto& [name, value] : c.figures) w.Key(name).Number(value);
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(report.state == HealthState::kUnhealthy ? 503 : 200, w.Take());
}

HttpResponse Api::Handle(HttpRequest& request) {
  obs::ScopedRequestId scope(request.request_id);
  probe_.RequestStarted();
  HttpResponse response;
  HeaderList limit_headers;
  try {
    if (std::optional<HttpResponse> refused = rate_limit_.Admit(request, &limit_headers)) {
      request.route = std::string(router_.PatternOf(request.path));
      response = std::move(*refused);
    } else if (responses_.Cacheable(request)) {
      request.route = std::string(router_.PatternOf(request.path));  // a hit skips Dispatch
      response = responses_.Serve(request, [&] { return router_.Dispatch(request); });
    } else {
      response = router_.Dispatch(request);
      responses_.AfterWrite(request, response);
    }
  } catch (const std::exception& e) {
    obs::LogError("handler threw", {{"route", request.route}, {"error", e.what()}});
    response = http::MakeErrorResponse(500, "internal", "internal error");
  }
  for (auto& header : limit_headers) response.headers.push_back(std::move(header));
  probe_.RequestFinished();
  return response;
}

void Api::Observe(const HttpRequest& request, const HttpResponse& response, double seconds) {
  probe_.RequestDone(request.method, request.route, response.status, seconds);
  obs::ScopedRequestId scope(request.request_id);
  bool quiet = request.route == "/metrics" || request.route.starts_with("/health");
  auto log = quiet ? obs::LogDebug : obs::LogInfo;
  log("request", {{"method", request.method},
                  {"route", request.route.empty() ? std::string_view("unmatched") : request.route},
                  {"status", response.status},
                  {"duration_ms", std::round(seconds * 1e6) / 1e3},
                  {"remote", request.remote}});
}

}  // namespace metrify::api
