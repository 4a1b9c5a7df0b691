#include "query/aggregate.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "query/compensated_sum.h"

namespace metrify::query {
namespace {

// The running statistic of one field in one bucket. It keeps what every Agg
// needs, so one pass serves all of them.
struct FieldStats {
  CompensatedSum sum;   // kSum, kAvg
  double value = 0;     // kMin, kMax, kLast (valid when n > 0)
  int64_t last_ts = 0;  // kLast: timestamp of `value`
  uint32_t n = 0;       // values seen

  void Add(double x, int64_t ts, Agg agg) {
    sum.Add(x);
    if (n == 0 || (agg == Agg::kMin && x < value) || (agg == Agg::kMax && x > value) ||
        (agg == Agg::kLast && ts >= last_ts)) {
      value = x;
      last_ts = ts;
    }
    ++n;
  }

  double Result(Agg agg) const {
    if (agg == Agg::kSum) return sum.Total();
    if (agg == Agg::kAvg) return sum.Total() / n;
    return value;
  }
};

// The instant that decides a sample's bucket: an interval reading measured
// (ts - interval, ts], whose last millisecond is ts - 1.
int64_t BucketInstant(const Point& p) {
  return p.interval_s > 0 ? p.timestamp_ms - 1 : p.timestamp_ms;
}

// The most common interval_s (the smaller on a tie): a series has one
// interval, but a few odd samples must not change the expectation.
int32_t TypicalInterval(std::span<const Point> points) {
  std::vector<std::pair<int32_t, size_t>> seen;  // interval, samples; a handful at most
  for (const Point& p : points) {
    auto it = std::find_if(seen.begin(), seen.end(),
                           [&](const auto& s) { return s.first == p.interval_s; });
    if (it == seen.end()) {
      seen.emplace_back(p.interval_s, 1);
    } else {
      ++it->second;
    }
  }
  int32_t best = 0;
  size_t best_count = 0;
  for (const auto& [interval, n] : seen) {
    if (n > best_count || (n == best_count && interval < best)) {
      best = interval;
      best_count = n;
    }
  }
  return best;
}

std::vector<int> FieldsOf(uint16_t mask) {
  std::vector<int> fields;
  for (int f = 0; f < model::kMaxSeriesFields; ++f) {
    if ((mask >> f) & 1u) fields.push_back(f);
  }
  return fields;
}

}  // namespace

std::vector<BucketValue> Aggregate(std::span<const Point> points, std::span<const int64_t> edges,
                                   Agg agg, uint16_t field_mask) {
  if (edges.size() < 2) return {};
  const size_t buckets = edges.size() - 1;
  const std::vector<int> fields = FieldsOf(field_mask);
  std::vector<FieldStats> stats(buckets * fields.size());  // bucket-major
  std::vector<BucketValue> out(buckets);

  for (const Point& p : points) {
    int64_t at = BucketInstant(p);
    auto it = std::upper_bound(edges.begin(), edges.end(), at);
    if (it == edges.begin() || it == edges.end()) continue;  // outside the range
    size_t b = size_t(it - edges.begin()) - 1;
    ++out[b].count;
    for (size_t j = 0; j < fields.size(); ++j) {
      int f = fields[j];
      if ((p.present >> f) & 1u) stats[b * fields.size() + j].Add(p.values[f], p.timestamp_ms, agg);
    }
  }

  const int64_t interval_ms = int64_t(TypicalInterval(points)) * 1000;
  for (size_t b = 0; b < buckets; ++b) {
    BucketValue& bucket = out[b];
    bucket.start_ms = edges[b];
    bucket.end_ms = edges[b + 1];
    if (interval_ms > 0)
      bucket.expected = uint32_t((bucket.end_ms - bucket.start_ms) / interval_ms);
    for (size_t j = 0; j < fields.size(); ++j) {
      const FieldStats& s = stats[b * fields.size() + j];
      if (s.n == 0) continue;
      bucket.values[fields[j]] = s.Result(agg);
      bucket.present |= uint16_t(1u << fields[j]);
    }
  }
  return out;
}

void AddInto(BucketValue& into, const BucketValue& from, Agg agg) {
  assert(into.start_ms == from.start_ms && into.end_ms == from.end_ms);
  into.count += from.count;
  into.expected += from.expected;
  for (int f = 0; f < model::kMaxSeriesFields; ++f) {
    if (!((from.present >> f) & 1u)) continue;
    double& to = into.values[f];
    const double x = from.values[f];
    if (!((into.present >> f) & 1u)) {
      to = x;
      into.present |= uint16_t(1u << f);
    } else if (agg == Agg::kMin) {
      to = std::min(to, x);
    } else if (agg == Agg::kMax) {
      to = std::max(to, x);
    } else {
      to += x;
    }
  }
}

}  // namespace metrify::query
