// Writing series answers: raw samples or buckets as JSON or CSV
// (docs/api.md, "Reading series").
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "api/series_params.h"
#include "http/message.h"
#include "query/aggregate.h"

namespace metrify::api {

// Where the answer's samples come from, for the JSON envelope.
struct SeriesSubject {
  model::SeriesKind kind;
  std::string_view entity_id;
  std::string_view list_key;  // "readings", "status" or "observations"
};

http::HttpResponse RawResponse(const SeriesSubject& subject, const SeriesParams& params,
                               std::span<const query::Point> points);
http::HttpResponse BucketResponse(const SeriesSubject& subject, const SeriesParams& params,
                                  std::span<const query::BucketValue> buckets);

// Aggregates carry the noise of binary sums (0.1 + 0.2); answers show them
// rounded to 9 decimals, far below any meter's resolution.
double RoundForDisplay(double value);

}  // namespace metrify::api
