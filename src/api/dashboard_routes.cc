// GET / and GET /ui/{file} (dashboard_routes.h). The files are a fixed
// table, so a request can only ever name one of them: no path is looked up
// on disk.
#include "api/dashboard_routes.h"

#include <string>
#include <string_view>

#include "api/web_assets.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

struct WebFile {
  std::string_view name;
  const std::string_view* body;
  std::string_view content_type;
};

constexpr std::string_view kJs = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

const WebFile kFiles[] = {
    {"style.css", &web::kStyleCss, kCss},
    {"app.js", &web::kAppJs, kJs},
    {"api.js", &web::kApiJs, kJs},
    {"charts.js", &web::kChartsJs, kJs},
    {"overview.js", &web::kOverviewJs, kJs},
    {"meters.js", &web::kMetersJs, kJs},
    {"operators.js", &web::kOperatorsJs, kJs},
    {"stations.js", &web::kStationsJs, kJs},
    {"alerts.js", &web::kAlertsJs, kJs},
    {"uPlot.iife.min.js", &web::kUplotJs, kJs},
    {"uPlot.min.css", &web::kUplotCss, kCss},
    {"uPlot.LICENSE.txt", &web::kUplotLicense, "text/plain; charset=utf-8"},
};

// The files change only with the binary; no-cache makes the browser ask
// again after an upgrade instead of mixing old scripts with a new API.
HttpResponse Serve(std::string_view body, std::string_view content_type) {
  HttpResponse r;
  r.body = std::string(body);
  r.content_type = std::string(content_type);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

HttpResponse File(const std::string& name) {
  for (const WebFile& f : kFiles) {
    if (f.name == name) return Serve(*f.body, f.content_type);
  }
  return http::MakeErrorResponse(404, "not_found", "no such dashboard file: " + name);
}

HttpResponse DashboardPage() { return Serve(web::kIndexHtml, "text/html; charset=utf-8"); }

}  // namespace

void AddDashboardRoutes(Router& router) {
  router.Add("GET", "/", [](HttpRequest&, const PathParams&) { return DashboardPage(); });
  router.Add("GET", "/ui/{file}",
             [](HttpRequest&, const PathParams& params) { return File(params.Get("file")); });
}

}  // namespace metrify::api
