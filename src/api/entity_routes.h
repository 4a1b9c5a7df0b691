// The REST resource of a registry entity, one template for meters, grid
// operators and weather stations:
//   POST   {base}              create (201, Location header)
//   GET    {base}              list: filters from the field table, page, page_size
//   POST   {base}/import       CSV import (text/csv), ?upsert=true to replace
//   GET    {base}/{id}         read
//   PUT    {base}/{id}         replace
//   PATCH  {base}/{id}         change the given fields
//   DELETE {base}/{id}         delete (204)
#pragma once

#include <string>

#include "api/router.h"
#include "registry/registry.h"

namespace metrify::api {

inline constexpr int64_t kMaxPageSize = 1000;
inline constexpr int64_t kDefaultPageSize = 100;

// Adds the routes above. `registry` must outlive the router.
template <typename T>
void AddEntityRoutes(Router& router, registry::Registry& registry, const std::string& base);

}  // namespace metrify::api
