// Dirty marks (docs/scaled.md "Rollups", "Quality reports"): tables of
// (meter_block, hour) rows that ingest writes in the transaction storing
// the data they cover and that `metrify worker process` claims
// (DELETE ... FOR UPDATE SKIP LOCKED) and deletes in the transaction that
// recomputes what they cover. rollup_dirty and quality_dirty work so.
//
// Marking must hold the marks it relies on until it commits. Inserting
// with ON CONFLICT DO NOTHING alone would not: a transaction finding a
// mark there could have it claimed by a worker that then reads without
// the transaction's uncommitted rows and deletes the mark, and the rows
// would commit unmarked. So MarkDirty inserts the missing marks and
// KEY SHARE-locks those already there; a claim skips a locked mark until
// the marking transaction ends, and marking transactions never wait for
// each other.
//
// Thread safety: free functions on a caller's connection (one thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store {

// A PostgreSQL array literal built element by element: "{1,2,NULL}".
class PgArrayText {
 public:
  void Add(std::string_view item);
  void Add(int64_t v);
  void Null() { Add(std::string_view("NULL")); }
  std::string Take();

 private:
  std::string text_ = "{";
};

// Appends (block, hour) to `pairs` unless it repeats the last one: a
// meter's readings arrive together, four or more to an hour, so this keeps
// the list (and MarkDirty's sort) to about one entry per meter-hour.
void AddMark(std::vector<std::pair<int64_t, int64_t>>* pairs, int64_t block, int64_t hour);

// Marks (block, hour) `pairs` (any order, repeats allowed) dirty in
// `table` (rollup_dirty or quality_dirty), in sorted order (two
// transactions marking overlapping hours lock them in the same order), and
// holds them until the caller's transaction ends.
// REQUIRES: inside the transaction that stores what the marks cover.
// Errors: the database's; Unavailable when a concurrent claim kept taking
// marks away for 10 tries in a row (retry the batch).
Status MarkDirty(PgConnection& db, std::string_view table,
                 std::vector<std::pair<int64_t, int64_t>> pairs);

}  // namespace metrify::store
