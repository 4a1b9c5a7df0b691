// Sums per bucket from block statistics (docs/engine.md, "Segments"): a
// daily energy rollup of many meters reads each meter's block group index
// entry instead of decoding its blocks.
//
// Readings are stamped at the END of their interval, so bucket i takes the
// timestamps in (edges[i], edges[i+1]]. A UTC-day block group holds the
// readings stamped 00:00 .. 23:45: the one stamped 00:00 closes the previous
// day's last interval. Such a group counts whole into its bucket except its
// first row, which goes to the bucket before, using the statistics' `first`
// (exact: with a constant present mask every row carries the field).
#include <algorithm>

#include "store/engine/readings_engine.h"
#include "store/engine/segment/format.h"

namespace metrify::engine {

namespace {

// The bucket of an interval reading stamped `ts`: -1 before the first,
// edges.size() - 1 after the last.
int BucketOf(std::span<const int64_t> edges, int64_t ts) {
  return static_cast<int>(std::lower_bound(edges.begin(), edges.end(), ts) - edges.begin()) - 1;
}

struct Tally {
  SegmentCatalog::Readers readers;
  ReadingsEngine::FieldBuckets* out;
  int buckets;

  void Add(int bucket, uint32_t samples, uint32_t values, double sum) {
    if (bucket < 0 || bucket >= buckets) return;
    out->samples[bucket] += samples;
    out->values[bucket] += values;
    out->sums[bucket] += sum;
  }
  // False when the interval differs from the one seen so far.
  bool SameInterval(int32_t interval_s) {
    if (out->interval_s == 0) out->interval_s = interval_s;
    return out->interval_s == interval_s;
  }
};

// One block group's share, or false when it must be decoded.
bool AddGroup(const segment::BlockGroup& g, std::span<const int64_t> edges, int field,
              Tally* tally) {
  if (g.revised() || !(g.flags & segment::kBlockConstPresent) ||
      !(g.flags & segment::kBlockConstInterval) || g.interval_s <= 0 ||
      !tally->SameInterval(g.interval_s)) {
    return false;
  }
  const int first = BucketOf(edges, g.min_ts);
  const int last = BucketOf(edges, g.max_ts);
  uint32_t values = 0;
  double sum = 0, first_value = 0;
  if ((g.present >> field) & 1u) {
    const segment::ColumnRef* column = g.Find(static_cast<uint8_t>(field));
    if (column == nullptr || column->stats.count != g.rows) return false;
    values = g.rows;
    sum = column->stats.sum;
    first_value = column->stats.first;
  }
  if (first == last) {
    tally->Add(first, g.rows, values, sum);
    return true;
  }
  // Only the first row may lie in the bucket before: it is stamped exactly
  // on the edge that ends that bucket, and every later row is after it.
  if (first + 1 != last || g.min_ts != edges[last]) return false;
  const uint32_t first_has = values > 0 ? 1 : 0;
  tally->Add(first, 1, first_has, first_has ? first_value : 0);
  tally->Add(last, g.rows - 1, values - first_has, first_has ? sum - first_value : 0);
  return true;
}

}  // namespace

bool ReadingsEngine::SumFromStats(SeriesKey key, std::span<const int64_t> edges, int field,
                                  FieldBuckets* out) const {
  if (edges.size() < 2) return false;
  const int buckets = static_cast<int>(edges.size()) - 1;
  *out = FieldBuckets{};
  out->samples.assign(buckets, 0);
  out->values.assign(buckets, 0);
  out->sums.assign(buckets, 0);
  std::vector<HeadSample> head;
  std::shared_lock view(view_mu_);
  if (!flushing_.empty()) return false;
  Tally tally{catalog_->ReadersFor(key.kind, edges.front(), edges.back() + 1), out, buckets};
  std::vector<const segment::BlockGroup*> groups;
  for (const auto& reader : tally.readers) {
    const segment::SeriesEntry* entry = reader->Find(key.entity_key);
    if (entry == nullptr) continue;
    for (const segment::BlockGroup& g : entry->groups) {
      // From edges.front() on, as a read of [front, back + 1) sees them (a
      // reading stamped at front belongs to no bucket but is seen).
      if (g.max_ts >= edges.front() && g.min_ts <= edges.back()) groups.push_back(&g);
    }
  }
  // Two segments holding one timestamp (revisions, or a crash during
  // compaction) would count it twice: only disjoint groups qualify.
  std::sort(groups.begin(), groups.end(),
            [](const auto* a, const auto* b) { return a->min_ts < b->min_ts; });
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i > 0 && groups[i]->min_ts <= groups[i - 1]->max_ts) return false;
    if (!AddGroup(*groups[i], edges, field, &tally)) return false;
  }
  head_.ScanLatest(key, edges.front(), edges.back() + 1, &head);
  for (const HeadSample& s : head) {
    // A later revision of a flushed reading: its earlier value is in a
    // block's statistics, which would count both.
    if (s.revision != 0 || s.interval_s <= 0 || !tally.SameInterval(s.interval_s)) return false;
    const bool has = (s.present >> field) & 1u;
    tally.Add(BucketOf(edges, s.timestamp_ms), 1, has ? 1 : 0, has ? s.values[field] : 0);
  }
  return true;
}

}  // namespace metrify::engine
