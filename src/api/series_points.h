// Engine samples as query points: the one conversion between the store's
// and the query layer's view of a sample.
#pragma once

#include <cmath>
#include <vector>

#include "query/aggregate.h"
#include "store/engine/head/head.h"

namespace metrify::api {

// Absent fields become NaN whatever the store held in their slot.
inline query::Point ToPoint(const engine::HeadSample& s) {
  query::Point p;
  p.timestamp_ms = s.timestamp_ms;
  p.interval_s = s.interval_s;
  p.present = s.present;
  for (int f = 0; f < model::kMaxSeriesFields; ++f) {
    if ((s.present >> f) & 1u) p.values[f] = s.values[f];
  }
  return p;
}

inline std::vector<query::Point> ToPoints(const std::vector<engine::HeadSample>& samples) {
  std::vector<query::Point> points;
  points.reserve(samples.size());
  for (const engine::HeadSample& s : samples) points.push_back(ToPoint(s));
  return points;
}

}  // namespace metrify::api
