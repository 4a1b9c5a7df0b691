// SegmentReader: reads one segment file (docs/format/segment.md) written by
// SegmentWriter.
//
// Open reads and verifies the header, the footer and the index (CRC32C) and
// keeps the index in memory and the file open; column blocks are read on
// demand with pread (RandomAccessFile::ReadAt), one read per block group. pread rather than mmap:
// a segment truncated or damaged under a mapping raises SIGBUS instead of
// returning an error, and reads through FileSystem can be fault-injected in
// tests; the page cache already keeps hot segments in memory.
//
// A segment that fails any check is reported as Corruption naming the file
// and the byte offset, and never half-read: Open fails as a whole, and a
// read whose block fails its checksum returns no samples of that call.
//
// Thread safety: after Open, all const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "store/engine/head/head.h"
#include "store/engine/segment/segment_index.h"

namespace metrify::engine::segment {

class SegmentReader {
 public:
  // Opens `path` on `fs`, which must outlive the reader. Returns IOError or
  // NotFound from the file system; Corruption (with file and offset) for a
  // short file, a wrong magic, a header or footer that disagree, an index
  // checksum mismatch or an invalid index (block lengths that do not tile
  // the data section included), and for a format version other than
  // kFormatVersion ("unsupported format version N").
  static Result<std::unique_ptr<SegmentReader>> Open(FileSystem* fs, const std::string& path);

  const std::string& path() const { return path_; }
  model::SeriesKind kind() const { return kind_; }
  int32_t day() const { return day_; }  // the UTC-day partition
  uint64_t file_bytes() const { return file_bytes_; }

  // Every series, ascending by entity key, with its block groups, their
  // time ranges and per-field statistics (no block is read).
  const std::vector<SeriesEntry>& series() const { return index_; }
  // The series with `entity_key`, or null.
  const SeriesEntry* Find(uint32_t entity_key) const;

  // Appends to *out the latest revision of every sample of `entity_key`
  // with start_ms <= timestamp < end_ms, ascending by timestamp. Absent
  // fields read as NaN. An unknown series appends nothing and returns OK.
  // Returns Corruption (file, offset) for a damaged block, IOError from the
  // file system; *out is then unchanged.
  // `fields` selects the field columns to decode (bit i: field i); the
  // others are neither read nor decoded and come back absent (NaN, present
  // bit clear). Aggregates over one field skip most of the work this way.
  Status ReadLatest(uint32_t entity_key, int64_t start_ms, int64_t end_ms,
                    std::vector<HeadSample>* out, uint16_t fields = kAllFields) const;
  // As ReadLatest, but every revision, ordered by (timestamp, revision).
  Status ReadRevisions(uint32_t entity_key, int64_t start_ms, int64_t end_ms,
                       std::vector<HeadSample>* out) const;

  // Decodes every row of `group` (a group of one of series()) into *out,
  // replacing its contents. Errors as ReadLatest.
  Status ReadGroup(const BlockGroup& group, std::vector<HeadSample>* out,
                   uint16_t fields = kAllFields) const;

  static constexpr uint16_t kAllFields = 0xFFFF;

 private:
  SegmentReader(FileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Status Load();
  Status CheckHeader(std::string_view header);
  Status Read(uint32_t entity_key, int64_t start_ms, int64_t end_ms, bool latest_only,
              uint16_t fields, std::vector<HeadSample>* out) const;
  Status Corrupt(uint64_t offset, std::string_view what) const;

  FileSystem* const fs_;
  const std::string path_;
  model::SeriesKind kind_ = model::SeriesKind::kReading;
  int32_t day_ = 0;
  uint64_t file_bytes_ = 0;
  std::unique_ptr<RandomAccessFile> file_;  // open from Load on: one descriptor per segment
  std::vector<SeriesEntry> index_;
};

}  // namespace metrify::engine::segment
