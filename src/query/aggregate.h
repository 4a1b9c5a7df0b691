// Aggregation of samples into time buckets, and the combination of buckets
// of many series into group totals (fleet rollups).
//
// Readings are interval readings: a sample's timestamp is the END of an
// interval of interval_s seconds, so the reading stamped 00:15 measured
// (00:00, 00:15] and belongs to the bucket that starts at 00:00; the one
// stamped 00:00 belongs to the previous day. Samples with interval_s == 0 are
// instants (weather observations) and belong to the bucket containing them.
//
// Gaps stay visible: a bucket without values reports count 0, presence 0 and
// NaN values, never zero.
//
// Thread safety: pure functions over caller-owned data.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "model/series.h"
#include "query/interval.h"

namespace metrify::query {

using FieldValues = std::array<double, model::kMaxSeriesFields>;

// Every field absent: how points and buckets start.
inline constexpr FieldValues kNoValues = [] {
  FieldValues values{};
  values.fill(std::numeric_limits<double>::quiet_NaN());
  return values;
}();

// One sample of one series, as the query layer sees it.
struct Point {
  int64_t timestamp_ms = 0;  // UTC; for interval readings the END of the interval
  int32_t interval_s = 0;    // length of the interval; 0 for an instant
  uint16_t present = 0;      // bit i set: values[i] holds a value
  FieldValues values = kNoValues;
};

// One bucket [start_ms, end_ms) of an aggregated series.
struct BucketValue {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  uint32_t count = 0;              // samples in the bucket, whichever fields they carry
  uint32_t expected = 0;           // samples a complete series would have; 0 if unknown
  FieldValues values = kNoValues;  // the statistic per field; NaN where absent
  uint16_t present = 0;            // bit i set: field i had a value in the bucket
};

// One BucketValue per bucket of `edges` (from BucketEdges: bucket i is
// [edges[i], edges[i+1])), empty buckets included. For each field in
// `field_mask`, `agg` is taken over the samples that have the field; other
// fields stay NaN and absent. Sums and averages use compensated summation.
// kLast takes the sample with the latest timestamp (on a tie, the later one
// in `points`). Samples outside [edges.front(), edges.back()) are ignored.
//
// `expected` is (end - start) / interval for the most common interval_s among
// `points` (a 1d bucket of quarter hours on a 23-hour day expects 92); it is
// 0 when that interval is 0 (instants) or there are no points.
//
// Order of `points` does not matter for the result; the store yields them
// sorted by timestamp. Cost: O(points * log(buckets)) time, O(buckets *
// fields in the mask) memory. Fewer than two edges give no buckets.
std::vector<BucketValue> Aggregate(std::span<const Point> points, std::span<const int64_t> edges,
                                   Agg agg, uint16_t field_mask);

// Adds the bucket of one series to a group's bucket, for rollups such as the
// daily energy of all meters of a grid operator. Per field present in `from`:
//   kSum, kAvg, kLast: the values add up (the group's total, its average
//                      total, the sum of the latest values);
//   kMin, kMax:        the smaller or larger value wins.
// A field absent in `into` takes `from`'s value; `present` is the union.
// `count` and `expected` add up. Values add in plain double arithmetic: the
// relative error stays near (series count) * 1e-16, harmless for fleets.
// REQUIRES: into and from cover the same bucket (same start_ms and end_ms).
void AddInto(BucketValue& into, const BucketValue& from, Agg agg);

}  // namespace metrify::query
