// Retention (docs/engine.md): data older than storage.retention_days goes
// a whole partition at a time, a directory of segment files, so deleting a
// year of readings is an unlink per file rather than a rewrite.
#include <chrono>

#include "obs/log.h"
#include "store/engine/readings_engine.h"
#include "store/engine/segment/segment_files.h"

namespace metrify::engine {

int32_t ReadingsEngine::RetentionCutoffDay() const {
  if (options_.retention_days <= 0) return INT32_MIN;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  return PartitionOf(now_ms) - options_.retention_days + 1;
}

Result<size_t> ReadingsEngine::DropExpired() {
  const int32_t cutoff = RetentionCutoffDay();
  if (cutoff == INT32_MIN) return size_t{0};
  std::lock_guard flush_lock(flush_mu_);
  size_t dropped = 0;
  // Head days first: drained and discarded, under the gate like a flush.
  for (int32_t day : head_.Partitions()) {
    if (day >= cutoff) break;
    AppendGate::Closed closed(gate_);
    std::unique_lock view(view_mu_);
    head_.DrainPartition(day, [](SeriesKey, std::vector<HeadSample>&) {});
    ++dropped;
  }
  for (model::SeriesKind kind : model::kAllSeriesKinds) {
    for (int32_t day : catalog_->Days(kind)) {
      if (day >= cutoff) break;
      SegmentCatalog::Segments segments;
      {
        std::unique_lock view(view_mu_);
        segments = catalog_->Remove(kind, day);
      }
      const std::string dir = segment::PartitionDir(root_, kind, day);
      for (const auto& [seq, reader] : segments) {
        METRIFY_RETURN_IF_ERROR(fs_.Remove(reader->path()));
      }
      METRIFY_RETURN_IF_ERROR(fs_.RemoveDir(dir));
      METRIFY_RETURN_IF_ERROR(fs_.SyncDir(DirName(dir)));
      obs::LogInfo("retention dropped a partition", {{"dir", dir}});
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace metrify::engine
