// Hourly rollups of readings in PostgreSQL (scaled mode, docs/scaled.md
// "Rollups"; tables in pg_migrations.cc v7).
//
// Three parties:
// - ingest calls MarkRollupsDirty inside the transaction that stores the
//   readings, so an hour is dirty exactly from the commit of a change to it
//   until a worker has recomputed it;
// - `metrify worker process` (worker/rollup_worker.h) calls RecomputeDirtyHours
//   in a loop; several replicas share the backlog without overlap;
// - the API's fleet sums call SumFromRollups (via PgSeriesStore::SumFromStats),
//   which answers only when the answer equals reading the raw rows, bit for
//   bit, and otherwise says "read the readings".
//
// An hour row `hour` (epoch ms of a UTC hour's start) holds the latest
// revision of every reading with hour < ts <= hour + 1 h: a reading is
// stamped at the end of its interval, as store::FieldBuckets counts them.
//
// Thread safety: free functions on a caller's connection (one thread).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "store/engine/wal/sample_batch.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_pool.h"
#include "store/series_store.h"

namespace metrify::store {

inline constexpr int64_t kRollupHourMs = 3'600'000;
// Dirty marks cover a block of this many consecutive meter keys: a batch of
// the whole fleet marks 64 times fewer rows on the ingest path, and a
// worker reads a block's hour with one index range.
inline constexpr int64_t kRollupBlockMeters = 64;

// The hour row a reading stamped `ts` belongs to: hour < ts <= hour + 1 h.
int64_t RollupHourOf(int64_t ts);

// Marks the hours of `readings` (reading samples) dirty and holds the
// marks until the caller's transaction ends (pg_dirty_marks.h: a worker's
// claim skips them meanwhile, so none can be recomputed and deleted
// without these readings).
// REQUIRES: inside the transaction that stores `readings`; then the mark
// commits or rolls back with them. Errors: the database's.
Status MarkRollupsDirty(PgConnection& db, std::span<const engine::wal::WalSample> readings);

// What one RecomputeDirtyHours call did.
struct RollupRound {
  size_t claims = 0;    // (meter block, hour) marks claimed (0: the backlog was empty)
  size_t hours = 0;     // meter hours recomputed (rows upserted)
  size_t readings = 0;  // latest revisions read for them
};

// One round of the worker, in one transaction: claims (deletes) at most
// `max_claims` dirty (block, hour) marks that no other transaction holds
// (FOR UPDATE SKIP LOCKED), recomputes every meter hour of them from the
// latest revisions in `readings` and upserts readings_hourly. Readings are
// never deleted (retention must drop hour rows with its partitions), so
// an hour row never needs to go. Committed on return; on error nothing
// changed and the marks stay. `claimed`, when not null, receives the
// (block, hour) pairs (for tests). Errors: the database's (Unavailable
// while it cannot be reached).
Result<RollupRound> RecomputeDirtyHours(
    PgConnection& db, size_t max_claims,
    std::vector<std::pair<int64_t, int64_t>>* claimed = nullptr);

// (Block, hour) marks waiting to be recomputed (an exact count; cheap while
// the backlog is small, which is its normal state).
Result<int64_t> DirtyBacklog(PgConnection& db);

// The fields the rollups sum: energy_kwh and energy_export_kwh.
bool RollupHasField(int field);

// SeriesStore::SumFromStats from the rollups, for one meter: true with
// *out filled when every edge is a UTC hour, `field` is rolled up, none of
// the hours of the meter's block from front - 1 h to back is dirty, the meter keeps one
// interval throughout, and every bucket's sum is certified to equal the raw
// path's compensated sum (store/postgres/rollup_sum.h). False otherwise,
// including on a database error (the raw read then reports it). Returns
// within one statement (one snapshot), so dirty marks and rows agree.
bool SumFromRollups(PgPool& read, engine::SeriesKey key, std::span<const int64_t> edges, int field,
                    FieldBuckets* out);

// The same for many meters of the fleet in one statement: (*out)[i] for
// keys[i], nullopt where that meter must be read raw. Errors: the database's.
Result<std::vector<std::optional<FieldBuckets>>> SumFromRollupsMany(PgConnection& db,
                                                                    std::span<const uint32_t> keys,
                                                                    std::span<const int64_t> edges,
                                                                    int field);

}  // namespace metrify::store
