// Query parameters of the series reads (GET .../readings, .../status,
// .../observations, /readings/latest, /analytics/consumption), checked all
// at once: every problem becomes one detail of a 422.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "model/series.h"
#include "query/aggregate.h"
#include "query/interval.h"

namespace date {
class time_zone;
}

namespace metrify::api {

// Most buckets one answer may hold, and most raw samples.
inline constexpr size_t kMaxBuckets = 10'000;
inline constexpr size_t kMaxRawSamples = 200'000;

struct SeriesParams {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
  query::Interval interval = query::Interval::kRaw;
  std::optional<query::Agg> agg;  // nullopt: each field's default (FieldAgg)
  uint16_t fields = 0;            // bit i: field i of the kind was asked for
  bool fields_given = false;      // false: all fields, narrowed to those with data
  std::string tz_name;
  const date::time_zone* tz = nullptr;
  bool csv = false;
  // Meter readings: "validated" (the default) or "raw"; empty for series
  // that are not validated.
  std::string version;
};

// Reads start, end (RFC 3339 or epoch ms; default the 24 hours before now),
// interval (raw), agg, fields (comma list; default all), tz (default
// `default_tz`) and format (json|csv). Names in `extra` are allowed too and
// left to the caller; any other parameter is refused as unknown.
Result<SeriesParams> ReadSeriesParams(const http::HttpRequest& request, model::SeriesKind kind,
                                      std::string_view default_tz,
                                      const std::vector<std::string_view>& extra = {});

// Without `fields`, an answer shows the fields its samples carry (all of
// them when there are none), not columns of nulls.
void NarrowToPresent(std::span<const query::Point> points, SeriesParams* params);

// The statistic a field gets when agg is not given: energies and
// precipitation add up (sum), a register reading is a counter (last), the
// rest are levels (avg).
query::Agg FieldAgg(model::SeriesKind kind, int field);

// Buckets of one series under `params`: `agg` for every field when given,
// else each field's FieldAgg.
std::vector<query::BucketValue> Bucketize(model::SeriesKind kind, const SeriesParams& params,
                                          std::span<const query::Point> points,
                                          std::span<const int64_t> edges);

}  // namespace metrify::api
