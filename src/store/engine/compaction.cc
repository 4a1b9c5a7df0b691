// Compaction (docs/engine.md): a partition flushed several times (memory
// pressure, late data) has several segments; reads then consult each, and
// each has its own index and block headers. Compaction merges them into one
// and folds revisions.
//
// Crash safety: the merged segment takes the number (and so the name) of
// the partition's newest segment, replacing it by rename, which keeps the
// partition's watermark for WAL replay. The older files are deleted after.
// A crash between leaves the merged file beside older ones whose rows it
// repeats; reads keep one row per (timestamp, revision), and the next
// compaction folds them again, so the state is only untidy, never wrong.
#include <algorithm>
#include <set>

#include "obs/log.h"
#include "store/engine/readings_engine.h"
#include "store/engine/segment/segment_files.h"

namespace metrify::engine {

namespace {

// Of all revisions of one series (from several segments, possibly with
// duplicates), keeps per timestamp the raw first revision and the latest,
// ordered by (timestamp, revision) as SegmentWriter::Add wants.
void FoldRevisions(std::vector<HeadSample>* rows) {
  std::sort(rows->begin(), rows->end(), [](const HeadSample& a, const HeadSample& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms
                                            : a.revision < b.revision;
  });
  std::vector<HeadSample> kept;
  kept.reserve(rows->size());
  for (size_t i = 0; i < rows->size();) {
    size_t end = i;
    while (end < rows->size() && (*rows)[end].timestamp_ms == (*rows)[i].timestamp_ms) ++end;
    kept.push_back((*rows)[i]);  // the lowest revision: the raw original
    if ((*rows)[end - 1].revision != (*rows)[i].revision) kept.push_back((*rows)[end - 1]);
    i = end;
  }
  rows->swap(kept);
}

}  // namespace

Status ReadingsEngine::Compact(bool include_head_days) {
  std::lock_guard flush_lock(flush_mu_);
  return CompactLocked(include_head_days);
}

Status ReadingsEngine::CompactLocked(bool include_head_days) {
  const std::vector<int32_t> head_days = head_.Partitions();
  for (const SegmentCatalog::PartitionSegments& p : catalog_->PartitionsWith(2)) {
    if (!include_head_days && std::binary_search(head_days.begin(), head_days.end(), p.day)) {
      continue;
    }
    METRIFY_RETURN_IF_ERROR(CompactPartition(p));
  }
  return Status::Ok();
}

Status ReadingsEngine::CompactPartition(const SegmentCatalog::PartitionSegments& p) {
  const uint32_t seq = p.segments.back().first;
  const std::string dir = segment::PartitionDir(root_, p.kind, p.day);
  const std::string path = JoinPath(dir, segment::SegmentFileName(seq));
  std::set<uint32_t> entities;  // ascending: the order SegmentWriter::Add requires
  for (const auto& [n, reader] : p.segments) {
    for (const segment::SeriesEntry& e : reader->series()) entities.insert(e.key.entity_key);
  }
  METRIFY_ASSIGN_OR_RETURN(
      auto writer, segment::SegmentWriter::Create(&fs_, path, p.kind, p.day, options_.segment));
  std::vector<HeadSample> rows;
  for (uint32_t entity : entities) {
    rows.clear();
    for (const auto& [n, reader] : p.segments) {
      METRIFY_RETURN_IF_ERROR(reader->ReadRevisions(entity, INT64_MIN, INT64_MAX, &rows));
    }
    FoldRevisions(&rows);
    METRIFY_RETURN_IF_ERROR(writer->Add(SeriesKey{p.kind, entity}, rows));
  }
  // The rename inside Finish replaces the newest input; readers holding it
  // open keep reading the old file until they let go.
  METRIFY_RETURN_IF_ERROR(writer->Finish().status());
  METRIFY_ASSIGN_OR_RETURN(auto merged, segment::SegmentReader::Open(&fs_, path));
  {
    std::unique_lock view(view_mu_);
    catalog_->Replace(seq, std::shared_ptr<const segment::SegmentReader>(std::move(merged)));
  }
  for (const auto& [n, reader] : p.segments) {
    if (n != seq) METRIFY_RETURN_IF_ERROR(fs_.Remove(reader->path()));
  }
  METRIFY_RETURN_IF_ERROR(fs_.SyncDir(dir));
  compactions_.fetch_add(1, std::memory_order_relaxed);
  obs::LogDebug("compacted partition",
                {{"dir", dir}, {"segments", static_cast<int64_t>(p.segments.size())}});
  return Status::Ok();
}

}  // namespace metrify::engine
