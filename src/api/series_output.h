// Writing series answers: raw samples or buckets as JSON or CSV
// (docs/api.md, "Reading series").
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/series_params.h"
#include "common/json_writer.h"
#include "http/message.h"
#include "query/aggregate.h"

namespace metrify::api {

// Where the answer's samples come from, for the JSON envelope.
struct SeriesSubject {
  model::SeriesKind kind;
  std::string_view entity_id;
  std::string_view list_key;  // "readings", "status" or "observations"
};

// Columns an answer carries besides the fields (the validated view's
// verdict per point, its shares per bucket): row i's JSON members and CSV
// cells (each cell appended with its leading comma).
struct ExtraColumns {
  std::vector<std::string_view> csv_names;
  std::function<void(size_t row, JsonWriter&)> json;
  std::function<void(size_t row, std::string&)> csv;
};

http::HttpResponse RawResponse(const SeriesSubject& subject, const SeriesParams& params,
                               std::span<const query::Point> points,
                               const ExtraColumns* extra = nullptr);
http::HttpResponse BucketResponse(const SeriesSubject& subject, const SeriesParams& params,
                                  std::span<const query::BucketValue> buckets,
                                  const ExtraColumns* extra = nullptr);

// Aggregates carry the noise of binary sums (0.1 + 0.2); answers show them
// rounded to 9 decimals, far below any meter's resolution.
double RoundForDisplay(double value);

}  // namespace metrify::api
