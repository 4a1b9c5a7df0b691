// Query vocabulary: the bucket width (Interval) and the per-bucket statistic
// (Agg) of a time-bucketed query, with their wire names.
//
// The names ("15m", "avg") are part of the HTTP API: never rename one. All
// functions are pure and thread-safe.
#pragma once

#include <string_view>

#include "common/result.h"

namespace metrify::query {

// Bucket width. 15m and 1h follow the local wall clock (for whole-hour zones
// that is UTC alignment); 1d and 1M start at local midnight (calendar.h).
enum class Interval {
  kRaw,  // no buckets: the samples themselves
  k15m,
  k1h,
  k1d,
  k1M,  // calendar month
};

// What a bucket reports per field, over the values present in the bucket.
enum class Agg {
  kSum,
  kAvg,
  kMin,
  kMax,
  kLast,  // the value of the latest sample that has the field
};

// Accepts exactly "raw", "15m", "1h", "1d" or "1M" (case matters: "1m" is
// not a month). InvalidArgument names the value and the allowed list.
Result<Interval> ParseInterval(std::string_view text);
// The wire name, e.g. "15m".
std::string_view IntervalName(Interval interval);

// Accepts exactly "sum", "avg", "min", "max" or "last"; InvalidArgument
// otherwise, naming the value and the allowed list.
Result<Agg> ParseAgg(std::string_view text);
// The wire name, e.g. "avg".
std::string_view AggName(Agg agg);

}  // namespace metrify::query
