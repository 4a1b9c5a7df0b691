// The index of a segment file: per series, where its column blocks are and
// what they hold (time range, row counts, value statistics), so a reader
// finds a series' blocks and answers aggregates without touching the blocks.
// Byte layout: docs/format/segment.md, "Index".
//
// Thread safety: the structs are plain values; the functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/engine/codec/block_stats.h"
#include "store/engine/head/head.h"

namespace metrify::engine::segment {

// One column block of one block group.
struct ColumnRef {
  uint8_t column = 0;  // field index 0..11, or a kColumn* id (format.h)
  // Where the block starts in the file. Not stored in the index: blocks lie
  // back to back in index order, so the decoder sums the lengths before it.
  uint64_t offset = 0;
  uint32_t length = 0;  // bytes of the whole block, checksum included
  // Field columns only: a copy of the block header's statistics, over every
  // row of the group (all revisions; absent fields count as NaN, so skipped).
  codec::BlockStats stats;
};

// Rows of one series stored together: one block per column. A group holds
// at most codec::kMaxBlockValues rows, and all revisions of a timestamp sit
// in the same group.
struct BlockGroup {
  uint8_t flags = 0;               // kBlock* bits (format.h)
  uint32_t rows = 0;               // samples, every revision counted
  uint32_t timestamps = 0;         // distinct timestamps (== rows unless revised)
  int64_t min_ts = 0;              // first timestamp
  int64_t max_ts = 0;              // last timestamp
  int32_t interval_s = 0;          // every row's interval, when kBlockConstInterval
  uint16_t present = 0;            // every row's present mask, when kBlockConstPresent
  std::vector<ColumnRef> columns;  // ascending by column id

  // True when some timestamp has more than one row or a row's revision is
  // not 0; the revision columns exist then, and field statistics cover
  // superseded revisions too, so aggregates must decode instead.
  bool revised() const;
  // The column with id `column`, or null.
  const ColumnRef* Find(uint8_t column) const;
};

struct SeriesEntry {
  SeriesKey key;
  uint64_t sample_count = 0;  // rows over all groups
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  std::vector<BlockGroup> groups;  // ascending, disjoint time ranges
};

// Appends the index of `series` (sorted by entity key) to *dst. Offsets are
// not encoded, only lengths. REQUIRES: the blocks lie back to back in the
// file in index order (series, group, column), from the header's end on.
void EncodeIndex(const std::vector<SeriesEntry>& series, std::string* dst);

// Parses and validates an index read from `file` at `index_offset`; every
// series must be of `kind`. Block offsets are computed: the first block
// starts at `data_begin`, each next one where the previous ends, and the
// blocks must tile [data_begin, index_offset) exactly. Returns Corruption
// naming the file and the byte offset of the first bad field.
Status DecodeIndex(std::string_view index, std::string_view file, model::SeriesKind kind,
                   uint64_t data_begin, uint64_t index_offset, std::vector<SeriesEntry>* out);

}  // namespace metrify::engine::segment
