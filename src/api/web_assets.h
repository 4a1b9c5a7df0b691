// The dashboard's files (web/), compiled into the binary by cmake/embed.cmake
// (CMakeLists.txt, "metrify::web") and served by dashboard_routes.h. uPlot is
// vendored from web/node_modules (scripts/setup runs npm ci there).
#pragma once

#include <string_view>

namespace metrify::web {
extern const std::string_view kIndexHtml;     // web/index.html
extern const std::string_view kStyleCss;      // web/style.css
extern const std::string_view kAppJs;         // web/app.js: the hash router
extern const std::string_view kApiJs;         // web/api.js: fetch and formatting
extern const std::string_view kChartsJs;      // web/charts.js: uPlot wrappers
extern const std::string_view kOverviewJs;    // web/overview.js
extern const std::string_view kMetersJs;      // web/meters.js: search and detail
extern const std::string_view kOperatorsJs;   // web/operators.js
extern const std::string_view kStationsJs;    // web/stations.js
extern const std::string_view kAlertsJs;      // web/alerts.js
extern const std::string_view kUplotJs;       // uplot/dist/uPlot.iife.min.js
extern const std::string_view kUplotCss;      // uplot/dist/uPlot.min.css
extern const std::string_view kUplotLicense;  // uplot/LICENSE
}  // namespace metrify::web
