// Index encoding: docs/format/segment.md, "Index".
#include "store/engine/segment/segment_index.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/varint.h"
#include "store/engine/codec/format.h"
#include "store/engine/segment/format.h"

namespace metrify::engine::segment {

bool BlockGroup::revised() const { return (flags & kBlockRevised) != 0; }

const ColumnRef* BlockGroup::Find(uint8_t column) const {
  for (const ColumnRef& c : columns) {
    if (c.column == column) return &c;
  }
  return nullptr;
}

namespace {

bool IsField(uint8_t column) { return column < model::kMaxSeriesFields; }

void EncodeGroup(const BlockGroup& g, std::string* dst) {
  dst->push_back(static_cast<char>(g.flags));
  PutVarint64(dst, g.rows);
  PutVarint64(dst, g.timestamps);
  PutVarsint64(dst, g.min_ts);
  PutVarsint64(dst, g.max_ts);
  if (g.flags & kBlockConstInterval) PutVarsint64(dst, g.interval_s);
  if (g.flags & kBlockConstPresent) PutVarint64(dst, g.present);
  PutVarint64(dst, g.columns.size());
  for (const ColumnRef& c : g.columns) {
    // No offset: the reader sums the lengths of the blocks before this one.
    dst->push_back(static_cast<char>(c.column));
    PutVarint64(dst, c.length);
    if (IsField(c.column)) codec::EncodeStats(c.stats, dst);
  }
}

// Reads the index front to back; every error names the byte offset in the
// file where the offending field starts. Block offsets are assigned while
// parsing, each block starting where the previous one ends, so blocks can
// neither overlap nor leave gaps between them; what is left to check is that
// they start at data_begin (by construction) and end exactly at the index.
class IndexParser {
 public:
  IndexParser(std::string_view index, std::string_view file, model::SeriesKind kind,
              uint64_t data_begin, uint64_t index_offset)
      : all_(index),
        in_(index),
        file_(file),
        kind_(kind),
        index_offset_(index_offset),
        next_block_(data_begin) {}

  Status Parse(std::vector<SeriesEntry>* out) {
    if (next_block_ > index_offset_) return Error(index_offset_, "index starts inside the header");
    uint64_t n = 0;
    METRIFY_RETURN_IF_ERROR(Varint(all_.size(), &n));
    out->clear();
    for (uint64_t i = 0; i < n; ++i) {
      SeriesEntry e;
      METRIFY_RETURN_IF_ERROR(ParseSeries(&e));
      if (!out->empty() && e.key.entity_key <= out->back().key.entity_key) {
        return Error(mark_, "series not in ascending entity key order");
      }
      out->push_back(std::move(e));
    }
    if (!in_.empty()) return Error(Pos(), "bytes after the last series");
    return CheckBlocksReachIndex();
  }

 private:
  uint64_t Pos() const { return index_offset_ + (all_.size() - in_.size()); }
  Status Error(uint64_t pos, std::string_view what) const {
    return Status::Corruption(fmt::format("segment {}: index at offset {}: {}", file_, pos, what));
  }
  Status Wrap(const Status& s, uint64_t pos) const { return s.ok() ? s : Error(pos, s.message()); }
  Status Varint(uint64_t limit, uint64_t* v) {
    const uint64_t pos = Pos();
    return Wrap(GetVarint64AtMost(&in_, limit, v), pos);
  }
  Status Signed(int64_t* v) {
    const uint64_t pos = Pos();
    return Wrap(GetVarsint64(&in_, v), pos);
  }
  Status Byte(uint8_t* v) {
    if (in_.empty()) return Error(Pos(), "truncated index");
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return Status::Ok();
  }

  Status ParseSeries(SeriesEntry* e) {
    mark_ = Pos();
    uint8_t kind = 0;
    METRIFY_RETURN_IF_ERROR(Byte(&kind));
    if (kind != static_cast<uint8_t>(kind_)) return Error(mark_, "series kind differs from header");
    e->key.kind = kind_;
    uint64_t v = 0, groups = 0;
    METRIFY_RETURN_IF_ERROR(Varint(UINT32_MAX, &v));
    e->key.entity_key = static_cast<uint32_t>(v);
    METRIFY_RETURN_IF_ERROR(Varint(UINT64_MAX, &e->sample_count));
    METRIFY_RETURN_IF_ERROR(Signed(&e->min_ts));
    METRIFY_RETURN_IF_ERROR(Signed(&e->max_ts));
    METRIFY_RETURN_IF_ERROR(Varint(all_.size(), &groups));
    if (groups == 0 || e->min_ts > e->max_ts) return Error(mark_, "empty or inverted series");
    uint64_t rows = 0;
    for (uint64_t i = 0; i < groups; ++i) {
      BlockGroup g;
      METRIFY_RETURN_IF_ERROR(ParseGroup(&g));
      const int64_t floor = e->groups.empty() ? e->min_ts : e->groups.back().max_ts + 1;
      if (g.min_ts < floor || g.max_ts > e->max_ts) {
        return Error(mark_, "block group outside its series' time range or out of order");
      }
      rows += g.rows;
      e->groups.push_back(std::move(g));
    }
    if (rows != e->sample_count || e->groups.front().min_ts != e->min_ts ||
        e->groups.back().max_ts != e->max_ts) {
      return Error(mark_, "series totals disagree with its block groups");
    }
    return Status::Ok();
  }

  Status ParseGroup(BlockGroup* g) {
    const uint64_t start = Pos();
    uint64_t v = 0;
    METRIFY_RETURN_IF_ERROR(Byte(&g->flags));
    if (g->flags & ~kKnownBlockFlags) return Error(start, "unknown block group flags");
    METRIFY_RETURN_IF_ERROR(Varint(codec::kMaxBlockValues, &v));
    g->rows = static_cast<uint32_t>(v);
    METRIFY_RETURN_IF_ERROR(Varint(g->rows, &v));
    g->timestamps = static_cast<uint32_t>(v);
    METRIFY_RETURN_IF_ERROR(Signed(&g->min_ts));
    METRIFY_RETURN_IF_ERROR(Signed(&g->max_ts));
    if (g->flags & kBlockConstInterval) {
      int64_t interval = 0;
      METRIFY_RETURN_IF_ERROR(Signed(&interval));
      if (interval < INT32_MIN || interval > INT32_MAX) return Error(start, "interval overflows");
      g->interval_s = static_cast<int32_t>(interval);
    }
    if (g->flags & kBlockConstPresent) {
      METRIFY_RETURN_IF_ERROR(Varint(UINT16_MAX, &v));
      g->present = static_cast<uint16_t>(v);
    }
    if (g->timestamps == 0 || g->min_ts > g->max_ts ||
        (!g->revised() && g->rows != g->timestamps)) {
      return Error(start, "inconsistent block group counts");
    }
    METRIFY_RETURN_IF_ERROR(ParseColumns(g));
    return CheckRequiredColumns(*g, start);
  }

  Status ParseColumns(BlockGroup* g) {
    uint64_t n = 0, v = 0;
    METRIFY_RETURN_IF_ERROR(Varint(256, &n));
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t start = Pos();
      ColumnRef c;
      METRIFY_RETURN_IF_ERROR(Byte(&c.column));
      if (!g->columns.empty() && c.column <= g->columns.back().column) {
        return Error(start, "columns not in ascending id order");
      }
      METRIFY_RETURN_IF_ERROR(Varint(UINT32_MAX, &v));
      c.length = static_cast<uint32_t>(v);
      METRIFY_RETURN_IF_ERROR(PlaceBlock(&c, start));
      if (IsField(c.column)) {
        const uint64_t pos = Pos();
        METRIFY_RETURN_IF_ERROR(Wrap(codec::DecodeStats(&in_, g->rows, &c.stats), pos));
      } else if (c.column < kColumnTimestamps || c.column > kColumnPresent) {
        return Error(start, fmt::format("unknown column id {}", c.column));
      }
      g->columns.push_back(c);
    }
    return Status::Ok();
  }

  // The block starts where the previous one ended and must end before the
  // index: a length that reaches past it cannot be a block of this file.
  Status PlaceBlock(ColumnRef* c, uint64_t start) {
    if (c->length == 0) return Error(start, "column block of length 0");
    if (c->length > index_offset_ - next_block_) {
      return Error(start, fmt::format("column block at offset {} of {} bytes runs past the "
                                      "data section, which ends at the index at {}",
                                      next_block_, c->length, index_offset_));
    }
    c->offset = next_block_;
    next_block_ += c->length;
    return Status::Ok();
  }

  // Bytes between the last block and the index belong to no block: the
  // lengths are wrong, and so would be every offset derived from them.
  Status CheckBlocksReachIndex() const {
    if (next_block_ == index_offset_) return Status::Ok();
    return Error(index_offset_, fmt::format("column blocks end at offset {}, but the index "
                                            "starts at {}: the block lengths do not tile the "
                                            "data section",
                                            next_block_, index_offset_));
  }

  Status CheckRequiredColumns(const BlockGroup& g, uint64_t start) const {
    const bool ok = g.Find(kColumnTimestamps) != nullptr &&
                    (g.revised() == (g.Find(kColumnRevisionCount) != nullptr)) &&
                    (g.revised() == (g.Find(kColumnRevision) != nullptr)) &&
                    ((g.flags & kBlockConstInterval) != 0) == !g.Find(kColumnInterval) &&
                    ((g.flags & kBlockConstPresent) != 0) == !g.Find(kColumnPresent);
    return ok ? Status::Ok() : Error(start, "block group columns disagree with its flags");
  }

  std::string_view all_;
  std::string_view in_;
  std::string_view file_;
  model::SeriesKind kind_;
  uint64_t index_offset_;
  uint64_t next_block_;  // where the next column block starts: the sum of lengths so far
  uint64_t mark_ = 0;    // start of the series being parsed
};

}  // namespace

void EncodeIndex(const std::vector<SeriesEntry>& series, std::string* dst) {
  PutVarint64(dst, series.size());
  for (const SeriesEntry& e : series) {
    dst->push_back(static_cast<char>(e.key.kind));
    PutVarint64(dst, e.key.entity_key);
    PutVarint64(dst, e.sample_count);
    PutVarsint64(dst, e.min_ts);
    PutVarsint64(dst, e.max_ts);
    PutVarint64(dst, e.groups.size());
    for (const BlockGroup& g : e.groups) EncodeGroup(g, dst);
  }
}

Status DecodeIndex(std::string_view index, std::string_view file, model::SeriesKind kind,
                   uint64_t data_begin, uint64_t index_offset, std::vector<SeriesEntry>* out) {
  return IndexParser(index, file, kind, data_begin, index_offset).Parse(out);
}

}  // namespace metrify::engine::segment
