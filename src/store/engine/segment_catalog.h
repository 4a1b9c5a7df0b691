// SegmentCatalog: the engine's flushed data. It knows every segment file of
// every partition (kind, UTC day), keeps their readers open (each holds its
// index in memory) and answers lookups across them.
//
// Segment numbers are WAL file numbers (docs/engine.md, "Checkpoints"): a
// segment numbered N of a partition holds, together with the partition's
// lower-numbered segments, every sample of that partition recorded in WAL
// files numbered below N. So the highest number is the partition's
// watermark: WAL replay skips the partition's records from files below it.
//
// Thread safety: all methods may be called concurrently; Add takes an
// exclusive lock, lookups a shared one only while they copy reader pointers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "store/engine/head/head.h"
#include "store/engine/segment/segment_reader.h"

namespace metrify::engine {

class SegmentCatalog {
 public:
  // Opens every segment under `root` (root/<kind>/<yyyy-mm-dd>/<seq>.seg),
  // removing "*.seg.tmp" leftovers of interrupted flushes on the way. A
  // directory name that is not a date is ignored. Returns Corruption from a
  // damaged segment (the start stops: an operator decides), IOError.
  static Result<std::unique_ptr<SegmentCatalog>> Load(FileSystem* fs, std::string root);

  // The highest segment number of the partition; 0 when it has none.
  uint32_t Watermark(model::SeriesKind kind, int32_t day) const;
  // Registers a segment just written as number `seq` of its partition.
  void Add(uint32_t seq, std::shared_ptr<const segment::SegmentReader> reader);

  // The latest revision stored for (key, timestamp_ms), or nullopt.
  // Errors: Corruption, IOError from the segment.
  Result<std::optional<HeadSample>> FlushedRevision(SeriesKey key, int64_t timestamp_ms) const;

  // Appends the latest revision of every stored sample of `key` with
  // start_ms <= timestamp < end_ms, ascending by timestamp (when several
  // segments hold a timestamp, the highest revision wins).
  // `fields` as SegmentReader::ReadLatest: the field columns to decode.
  Status ReadLatest(SeriesKey key, int64_t start_ms, int64_t end_ms, std::vector<HeadSample>* out,
                    uint16_t fields = segment::SegmentReader::kAllFields) const;

  // Calls `visit` once per series of `kind` with its newest stored sample.
  Status ForEachNewest(model::SeriesKind kind,
                       const std::function<void(SeriesKey, const HeadSample&)>& visit) const;

  // A partition's segments, ascending by number.
  using Segments = std::vector<std::pair<uint32_t, std::shared_ptr<const segment::SegmentReader>>>;
  struct PartitionSegments {
    model::SeriesKind kind;
    int32_t day;
    Segments segments;
  };
  // Every partition with at least `min_segments` segments.
  std::vector<PartitionSegments> PartitionsWith(size_t min_segments) const;
  // Makes `reader` (number `seq`) the partition's only segment: compaction
  // merged the others into it. Their files are the caller's to delete.
  void Replace(uint32_t seq, std::shared_ptr<const segment::SegmentReader> reader);

  // Forgets the partition and returns its segments (their files are the
  // caller's to delete).
  Segments Remove(model::SeriesKind kind, int32_t day);

  // The readers of the partitions overlapping [start_ms, end_ms), oldest first.
  using Readers = std::vector<std::shared_ptr<const segment::SegmentReader>>;
  Readers ReadersFor(model::SeriesKind kind, int64_t start_ms, int64_t end_ms) const;

  // Days of `kind` that have segments, ascending.
  std::vector<int32_t> Days(model::SeriesKind kind) const;
  // Segment files and their bytes.
  size_t segment_count() const;
  uint64_t file_bytes() const;
  const std::string& root() const { return root_; }

 private:
  struct Partition {
    Segments segments;  // ascending by number
  };
  using PartitionId = std::pair<model::SeriesKind, int32_t>;

  SegmentCatalog(FileSystem* fs, std::string root) : fs_(fs), root_(std::move(root)) {}
  Status LoadKind(model::SeriesKind kind);

  FileSystem* const fs_;
  const std::string root_;
  mutable std::shared_mutex mu_;
  std::map<PartitionId, Partition> partitions_;  // guarded by mu_
};

// The merge rule of every read: of the samples of one series (any order,
// any source), keeps one per timestamp, the one with the highest revision,
// ascending by timestamp. Stable for equal revisions: the later one wins.
void KeepLatestRevisions(std::vector<HeadSample>* samples);

}  // namespace metrify::engine
