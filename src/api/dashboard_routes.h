// The web dashboard (docs/dashboard.md): a single page that calls this same
// API from the browser.
//   GET /            the page (web/index.html)
//   GET /ui/{file}   its scripts, styles and the vendored uPlot
// Every file is embedded in the binary (web_assets.h), so the page loads
// nothing from anywhere but this server.
#pragma once

#include "api/router.h"

namespace metrify::api {

void AddDashboardRoutes(Router& router);

}  // namespace metrify::api
