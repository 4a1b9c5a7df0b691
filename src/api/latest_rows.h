// The latest reading of many meters as JSON rows, written on all cores: a
// 100,000-meter fleet is 10 MB of JSON, and writing it is nearly the whole
// cost of GET /api/v1/readings/latest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "store/series_store.h"

namespace metrify::api {

// The rows of one contiguous run of meters: their latest readings as the
// elements of `rows` (a writer that began an array, for SpliceElements), and
// the meters that have none.
struct LatestRows {
  JsonWriter rows;
  size_t count = 0;
  std::vector<std::string_view> missing;  // views of the ids in `meters`
  Status status;                          // the store's error, if it failed
};

// Each meter's newest reading with the fields in `fields` (a mask over the
// reading fields) as {"meter_id", "timestamp", "interval_s", fields...}.
// REQUIRES: the ids are registry ids (model::IsValidId: no JSON escapes) and
// outlive the result. Errors: the store's.
Result<std::vector<LatestRows>> WriteLatestRows(
    const store::SeriesStore& engine, const std::vector<std::pair<std::string, uint32_t>>& meters,
    uint16_t fields);

}  // namespace metrify::api
