// ReadingsEngine::ScanRevisions and Days: every stored revision, for
// `metrify migrate copy` (readings_engine.h). Reads go through the same
// sources as ReadLatest (segments, flushes in progress, head) but keep
// every revision instead of the latest per timestamp.
#include <algorithm>
#include <set>

#include "store/engine/readings_engine.h"

namespace metrify::engine {

namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

// Orders by (timestamp, revision) and keeps one sample per pair. A pair
// held twice is the leftover of a compaction interrupted between writing
// the merged segment and deleting its inputs: both copies are the same.
void OrderRevisions(std::vector<HeadSample>* samples) {
  std::stable_sort(samples->begin(), samples->end(), [](const HeadSample& a, const HeadSample& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms
                                            : a.revision < b.revision;
  });
  auto same = [](const HeadSample& a, const HeadSample& b) {
    return a.timestamp_ms == b.timestamp_ms && a.revision == b.revision;
  };
  samples->erase(std::unique(samples->begin(), samples->end(), same), samples->end());
}

}  // namespace

Status ReadingsEngine::ScanRevisions(model::SeriesKind kind, std::span<const uint32_t> entity_keys,
                                     const RevisionVisitor& visit) const {
  // Taken once for all keys: the caller guarantees nothing changes them.
  // The range is the kind's days, not all time: PartitionOf(INT64_MIN)
  // would overflow.
  const std::vector<int32_t> segment_days = catalog_->Days(kind);
  const SegmentCatalog::Readers readers =
      segment_days.empty() ? SegmentCatalog::Readers{}
                           : catalog_->ReadersFor(kind, segment_days.front() * kMillisPerDay,
                                                  (segment_days.back() + 1) * kMillisPerDay);
  const std::vector<int32_t> head_days = head_.Partitions();
  std::vector<HeadSample> revisions;
  for (uint32_t entity : entity_keys) {
    const SeriesKey key{kind, entity};
    revisions.clear();
    {
      std::shared_lock view(view_mu_);
      for (const auto& reader : readers) {
        const segment::SeriesEntry* entry = reader->Find(entity);
        if (entry == nullptr) continue;
        METRIFY_RETURN_IF_ERROR(
            reader->ReadRevisions(entity, entry->min_ts, entry->max_ts + 1, &revisions));
      }
      for (const auto& f : flushing_) {
        for (const auto& [id, series] : f->partitions) {
          if (id.first != kind) continue;
          auto found = series.find(entity);
          if (found != series.end()) {
            revisions.insert(revisions.end(), found->second.begin(), found->second.end());
          }
        }
      }
      // Day by day: a range over all time would make the head probe every
      // day in between.
      for (int32_t day : head_days) {
        head_.ScanRevisions(key, day * kMillisPerDay, (day + 1) * kMillisPerDay, &revisions);
      }
    }
    if (revisions.empty()) continue;
    OrderRevisions(&revisions);
    METRIFY_RETURN_IF_ERROR(visit(key, revisions));
  }
  return Status::Ok();
}

std::vector<int32_t> ReadingsEngine::Days(model::SeriesKind kind) const {
  std::set<int32_t> days;
  for (int32_t day : catalog_->Days(kind)) days.insert(day);
  for (int32_t day : head_.Partitions()) days.insert(day);
  std::shared_lock view(view_mu_);
  for (const auto& f : flushing_) {
    for (const auto& [id, series] : f->partitions) {
      if (id.first == kind) days.insert(id.second);
    }
  }
  return {days.begin(), days.end()};
}

}  // namespace metrify::engine
