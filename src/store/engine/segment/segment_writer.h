// SegmentWriter: writes one immutable segment file holding one partition
// (one series kind, one UTC day) of many series, as the flush drains it from
// the head. Byte layout: docs/format/segment.md.
//
// Lifecycle: Create opens NAME.tmp and writes the header; Add encodes one
// series' samples into column blocks and appends them (buffered, ~1 MiB);
// series come in ascending entity key order, because the index lists them
// in that order and a reader derives each block's offset from it. Finish
// appends the index and the footer, fsyncs, renames NAME.tmp to NAME and
// fsyncs the directory. A writer destroyed without a successful Finish
// removes NAME.tmp (best effort; a leftover after a crash is removed by
// RemoveLeftoverTemps at start).
//
// Memory: the encoded blocks stream to the file; only the index (a few
// dozen bytes per series) is held until Finish.
//
// Thread safety: one thread at a time (externally synchronised).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "store/engine/codec/block.h"
#include "store/engine/head/head.h"
#include "store/engine/segment/segment_index.h"

namespace metrify::engine::segment {

struct SegmentWriterOptions {
  // How each column block is encoded (zstd level; default 3).
  codec::BlockOptions block;
  // Rows per block group, at most codec::kMaxBlockValues (the default). A
  // group ends early rather than split one timestamp's revisions. Smaller
  // groups give aggregates finer skipping at ~25 bytes of index per group and
  // column (length, time range, statistics); tests use tiny groups to exercise group edges.
  uint32_t max_rows_per_group = codec::kMaxBlockValues;
};

// What Finish wrote.
struct SegmentInfo {
  std::string path;         // the final name
  uint64_t file_bytes = 0;  // size of the file
  uint64_t series = 0;      // series in the index
  uint64_t samples = 0;     // rows, every revision counted
};

class SegmentWriter {
 public:
  // Starts the segment `path` (for partition `day` of `kind`) by creating
  // `path` + ".tmp", replacing a leftover of that name. `fs` must outlive
  // the writer. Returns IOError when the file cannot be created or written,
  // InvalidArgument for max_rows_per_group 0 or above kMaxBlockValues.
  static Result<std::unique_ptr<SegmentWriter>> Create(FileSystem* fs, std::string path,
                                                       model::SeriesKind kind, int32_t day,
                                                       const SegmentWriterOptions& options = {});
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Adds the samples of one series: every revision, sorted by (timestamp,
  // revision) as Head::DrainPartition hands them over. Series must come in
  // strictly ascending entity key order; an empty span adds nothing. Fields
  // whose present bit is clear are stored (and read back) as NaN. Returns
  // InvalidArgument, and adds nothing, when the entity key is not above every
  // key added before (out of order or added twice), its kind differs from the
  // writer's, a sample lies outside the partition day, samples are not
  // strictly ascending by (timestamp, revision) or a present bit names a
  // field the kind does not have; IOError from the file system. After an
  // IOError the writer is unusable.
  Status Add(SeriesKey key, std::span<const HeadSample> samples);

  // Completes the file as described above. On OK the segment is durable
  // under its final name. On error no file of the final name was created
  // (or, if the directory fsync failed, its durability is unknown).
  // REQUIRES: called at most once.
  Result<SegmentInfo> Finish();

 private:
  SegmentWriter(FileSystem* fs, std::string path, model::SeriesKind kind, int32_t day,
                const SegmentWriterOptions& options);
  Status Validate(SeriesKey key, std::span<const HeadSample> samples) const;
  Status AppendGroup(std::span<const HeadSample> rows, BlockGroup* group);
  Status AppendColumn(uint8_t column, std::span<const double> values, BlockGroup* group);
  Status AppendTimestamps(std::span<const HeadSample> rows, BlockGroup* group);
  Status FlushBuffer();

  FileSystem* const fs_;
  const std::string path_;
  const std::string tmp_path_;
  const model::SeriesKind kind_;
  const int32_t day_;
  const SegmentWriterOptions options_;
  std::unique_ptr<WritableFile> file_;
  std::string header_;              // the file header, also covered by the footer CRC
  std::string buffer_;              // encoded blocks not yet appended to file_
  uint64_t flushed_ = 0;            // bytes appended to file_
  std::vector<SeriesEntry> index_;  // ascending by entity key, as added
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace metrify::engine::segment
