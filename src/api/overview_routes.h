// The dashboard's fleet overview in one request (docs/api.md, "Overview"):
//   GET /api/v1/overview   meters by status, city, segment and operator;
//                          registry counts; open alerts by severity; VEE's
//                          backlog
// Counts the API's lists cannot give without paging the whole fleet.
#pragma once

#include "api/router.h"
#include "api/series_routes.h"

namespace metrify::api {

// `backend` must outlive the router.
void AddOverviewRoutes(Router& router, SeriesBackend& backend);

}  // namespace metrify::api
