// Reads docs/format/segment.md. Every check that can fail on damaged bytes
// returns Corruption with the file and offset; nothing here asserts on file
// contents.
#include "store/engine/segment/segment_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/crc32c.h"
#include "store/engine/codec/block.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/segment/format.h"

namespace metrify::engine::segment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The columns of one decoded block group, before they become rows.
struct GroupColumns {
  std::vector<int64_t> timestamps;
  std::vector<int64_t> counts;     // rows per timestamp
  std::vector<int64_t> revisions;  // per row
  std::vector<int64_t> intervals;  // per row
  std::vector<int64_t> present;    // per row
  std::vector<std::vector<double>> fields =
      std::vector<std::vector<double>>(model::kMaxSeriesFields);
};

}  // namespace

Status SegmentReader::Corrupt(uint64_t offset, std::string_view what) const {
  return Status::Corruption(fmt::format("segment {} at offset {}: {}", path_, offset, what));
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(FileSystem* fs,
                                                           const std::string& path) {
  std::unique_ptr<SegmentReader> r(new SegmentReader(fs, path));
  METRIFY_RETURN_IF_ERROR(r->Load());
  return r;
}

Status SegmentReader::CheckHeader(std::string_view header) {
  if (header.size() < kHeaderSize || header.substr(0, kMagic.size()) != kMagic) {
    return Corrupt(0, "bad magic: not a segment file");
  }
  const uint32_t version = codec::DecodeFixed32(header.data() + 8);
  if (version != kFormatVersion) {
    // Say which side is older: the remedy is the other build, not repair.
    return Corrupt(8, fmt::format("unsupported format version {} ({}); this build reads only "
                                  "version {}",
                                  version,
                                  version < kFormatVersion ? "written by an older version"
                                                           : "written by a newer version?",
                                  kFormatVersion));
  }
  const uint8_t kind = static_cast<uint8_t>(header[12]);
  if (kind < 1 || kind > static_cast<uint8_t>(model::SeriesKind::kVeeOverlay)) {
    return Corrupt(12, fmt::format("unknown series kind {}", kind));
  }
  kind_ = static_cast<model::SeriesKind>(kind);
  day_ = static_cast<int32_t>(codec::DecodeFixed32(header.data() + 13));
  return Status::Ok();
}

Status SegmentReader::Load() {
  METRIFY_ASSIGN_OR_RETURN(file_bytes_, fs_->FileSize(path_));
  METRIFY_ASSIGN_OR_RETURN(file_, fs_->OpenRandomAccess(path_));
  if (file_bytes_ < kHeaderSize + kFooterSize) {
    return Corrupt(0,
                   fmt::format("file of {} bytes is shorter than header and footer", file_bytes_));
  }
  METRIFY_ASSIGN_OR_RETURN(std::string header, file_->ReadAt(0, kHeaderSize));
  METRIFY_RETURN_IF_ERROR(CheckHeader(header));
  const uint64_t footer_at = file_bytes_ - kFooterSize;
  METRIFY_ASSIGN_OR_RETURN(std::string footer, file_->ReadAt(footer_at, kFooterSize));
  if (footer.size() != kFooterSize || footer.substr(16) != kMagic) {
    return Corrupt(footer_at + 16, "bad footer magic (truncated or damaged file)");
  }
  const uint64_t index_offset = codec::DecodeFixed64(footer.data());
  const uint32_t index_len = codec::DecodeFixed32(footer.data() + 8);
  const uint32_t index_crc = codec::DecodeFixed32(footer.data() + 12);
  if (index_offset < kHeaderSize || index_len > kMaxIndexBytes ||
      index_offset + index_len != footer_at) {
    return Corrupt(footer_at, fmt::format("footer places the index at {} length {}, which does "
                                          "not end where the footer starts",
                                          index_offset, index_len));
  }
  METRIFY_ASSIGN_OR_RETURN(std::string index, file_->ReadAt(index_offset, index_len));
  if (index.size() != index_len) return Corrupt(index_offset, "index truncated");
  const uint32_t actual = crc32c::Extend(crc32c::Value(header), index.data(), index.size());
  if (actual != index_crc) {
    return Corrupt(index_offset, fmt::format("header and index checksum mismatch: stored {:#010x}, "
                                             "computed {:#010x}",
                                             index_crc, actual));
  }
  return DecodeIndex(index, path_, kind_, kHeaderSize, index_offset, &index_);
}

const SeriesEntry* SegmentReader::Find(uint32_t entity_key) const {
  auto it =
      std::lower_bound(index_.begin(), index_.end(), entity_key,
                       [](const SeriesEntry& e, uint32_t key) { return e.key.entity_key < key; });
  return it != index_.end() && it->key.entity_key == entity_key ? &*it : nullptr;
}

namespace {

// Decodes an integer column stored as a value block: `count` values, each
// an integer in [lo, hi].
Status DecodeInts(std::string_view block, uint64_t offset, size_t count, int64_t lo, int64_t hi,
                  std::vector<int64_t>* out) {
  std::vector<double> values;
  METRIFY_RETURN_IF_ERROR(codec::DecodeValueBlock(block, &values, offset));
  if (values.size() != count) {
    return Status::Corruption(fmt::format("column block at offset {}: {} values, index says {}",
                                          offset, values.size(), count));
  }
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || std::trunc(v) != v) {
      return Status::Corruption(
          fmt::format("column block at offset {}: {} is not an integer in range", offset, v));
    }
    (*out)[i] = static_cast<int64_t>(v);
  }
  return Status::Ok();
}

// Decodes every column of `g` from `bytes`, which starts at file offset `base`.
// Field columns outside `fields` are not wanted: not read, not decoded.
bool Wanted(const ColumnRef& c, uint16_t fields) {
  return c.column >= model::kMaxSeriesFields || ((fields >> c.column) & 1u);
}

Status DecodeColumns(const BlockGroup& g, std::string_view bytes, uint64_t base, uint16_t fields,
                     GroupColumns* cols) {
  for (const ColumnRef& c : g.columns) {
    if (!Wanted(c, fields)) continue;
    const std::string_view block = bytes.substr(c.offset - base, c.length);
    switch (c.column) {
      case kColumnTimestamps:
        METRIFY_RETURN_IF_ERROR(codec::DecodeTimestampBlock(block, &cols->timestamps, c.offset));
        break;
      case kColumnRevisionCount:
        METRIFY_RETURN_IF_ERROR(
            DecodeInts(block, c.offset, g.timestamps, 1, UINT16_MAX + 1, &cols->counts));
        break;
      case kColumnRevision:
        METRIFY_RETURN_IF_ERROR(
            DecodeInts(block, c.offset, g.rows, 0, UINT16_MAX, &cols->revisions));
        break;
      case kColumnInterval:
        METRIFY_RETURN_IF_ERROR(
            DecodeInts(block, c.offset, g.rows, INT32_MIN, INT32_MAX, &cols->intervals));
        break;
      case kColumnPresent:
        METRIFY_RETURN_IF_ERROR(DecodeInts(block, c.offset, g.rows, 0, UINT16_MAX, &cols->present));
        break;
      default:
        METRIFY_RETURN_IF_ERROR(codec::DecodeValueBlock(block, &cols->fields[c.column], c.offset));
        if (cols->fields[c.column].size() != g.rows) {
          return Status::Corruption(
              fmt::format("column block at offset {}: row count differs from index", c.offset));
        }
    }
  }
  return Status::Ok();
}

// Checks that the decoded timestamps and counts agree with the index.
bool ShapeMatches(const BlockGroup& g, GroupColumns* cols) {
  const auto& ts = cols->timestamps;
  if (ts.size() != g.timestamps || ts.front() != g.min_ts || ts.back() != g.max_ts) return false;
  if (!std::is_sorted(ts.begin(), ts.end()) ||
      std::adjacent_find(ts.begin(), ts.end()) != ts.end()) {
    return false;
  }
  if (!g.revised()) {
    cols->counts.assign(g.timestamps, 1);
    cols->revisions.assign(g.rows, 0);
  }
  int64_t rows = 0;
  for (int64_t c : cols->counts) rows += c;
  return rows == g.rows;
}

}  // namespace

Status SegmentReader::ReadGroup(const BlockGroup& g, std::vector<HeadSample>* out,
                                uint16_t fields) const {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const ColumnRef& c : g.columns) {
    if (!Wanted(c, fields)) continue;
    lo = std::min(lo, c.offset);
    hi = std::max(hi, c.offset + c.length);
  }
  METRIFY_ASSIGN_OR_RETURN(std::string bytes, file_->ReadAt(lo, hi - lo));
  if (bytes.size() != hi - lo) return Corrupt(lo, "block group runs past the end of the file");
  GroupColumns cols;
  Status s = DecodeColumns(g, bytes, lo, fields, &cols);
  if (!s.ok()) return Status::Corruption(fmt::format("segment {}: {}", path_, s.message()));
  if (!ShapeMatches(g, &cols)) return Corrupt(lo, "block group disagrees with its index entry");
  out->clear();
  out->reserve(g.rows);
  size_t row = 0;
  for (size_t t = 0; t < cols.timestamps.size(); ++t) {
    for (int64_t k = 0; k < cols.counts[t]; ++k, ++row) {
      HeadSample h;
      h.timestamp_ms = cols.timestamps[t];
      h.revision = static_cast<uint16_t>(cols.revisions[row]);
      h.interval_s =
          cols.intervals.empty() ? g.interval_s : static_cast<int32_t>(cols.intervals[row]);
      h.present = cols.present.empty() ? g.present : static_cast<uint16_t>(cols.present[row]);
      h.present &= fields;
      for (int f = 0; f < model::kMaxSeriesFields; ++f) {
        const bool has = (h.present >> f) & 1u;
        if (has && cols.fields[f].empty()) return Corrupt(lo, "present field has no column");
        h.values[f] = has ? cols.fields[f][row] : kNaN;
      }
      out->push_back(h);
    }
  }
  return Status::Ok();
}

Status SegmentReader::Read(uint32_t entity_key, int64_t start_ms, int64_t end_ms, bool latest_only,
                           uint16_t fields, std::vector<HeadSample>* out) const {
  const SeriesEntry* e = Find(entity_key);
  if (e == nullptr) return Status::Ok();
  // Rows go straight into *out; on an error it is cut back to its size on
  // entry, so the caller sees no samples of this call.
  const size_t before = out->size();
  thread_local std::vector<HeadSample> rows;
  for (const BlockGroup& g : e->groups) {
    if (g.max_ts < start_ms || g.min_ts >= end_ms) continue;  // skipped unread
    if (Status s = ReadGroup(g, &rows, fields); !s.ok()) {
      out->resize(before);
      return s;
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      const HeadSample& h = rows[i];
      if (h.timestamp_ms < start_ms || h.timestamp_ms >= end_ms) continue;
      const bool superseded = i + 1 < rows.size() && rows[i + 1].timestamp_ms == h.timestamp_ms;
      if (latest_only && superseded) continue;
      out->push_back(h);
    }
  }
  return Status::Ok();
}

Status SegmentReader::ReadLatest(uint32_t entity_key, int64_t start_ms, int64_t end_ms,
                                 std::vector<HeadSample>* out, uint16_t fields) const {
  return Read(entity_key, start_ms, end_ms, true, fields, out);
}

Status SegmentReader::ReadRevisions(uint32_t entity_key, int64_t start_ms, int64_t end_ms,
                                    std::vector<HeadSample>* out) const {
  return Read(entity_key, start_ms, end_ms, false, kAllFields, out);
}

}  // namespace metrify::engine::segment
