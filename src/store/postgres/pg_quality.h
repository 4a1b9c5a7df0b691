// Daily quality reports in PostgreSQL (scaled mode, docs/scaled.md "Quality
// reports"; tables in pg_migrations.cc v8; what a stored day is and when it
// may answer: vee/quality_days.h).
//
// Three parties, as for the rollups (pg_rollups.h):
// - ingest and edits call MarkQualityDirty inside the transaction that
//   stores readings, VEE overlay rows or an edit, so an hour is dirty from
//   the commit of a change until a worker has recomputed the days it
//   touches;
// - `metrify worker process` (worker/quality_worker.h) claims marks a block
//   at a time and upserts the recomputed days, and sweeps for days that
//   closed without new data;
// - the API reads stored days through PgQualityDays, in one statement per
//   chunk of meters, together with the dirty marks (one snapshot).
//
// Marks are (meter_key / 64, UTC hour start). One block is worked on by one
// transaction at a time (a transaction-scoped advisory lock per block), so
// two replicas never compute overlapping days of a meter from different
// data and the later commit always has the newer data.
//
// Thread safety: free functions on a caller's connection (one thread);
// PgQualityDays may be used from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/result.h"
#include "store/engine/wal/sample_batch.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_pool.h"
#include "vee/quality_days.h"

namespace metrify::store {

inline constexpr int64_t kQualityHourMs = 3'600'000;
inline constexpr int64_t kQualityBlockMeters = 64;
// pg_advisory_xact_lock(kQualityBlockLockClass, block): who works on a block.
inline constexpr int32_t kQualityBlockLockClass = 0x716c7479;  // "qlty"

// The UTC hour (epoch ms of its start) a sample stamped `ts` marks.
int64_t QualityHourOf(int64_t ts);

// Marks the (block, hour) pairs of `samples` (readings or VEE overlay rows,
// or one edit: key and interval end) dirty, in sorted order, and holds a
// KEY SHARE lock on each mark until the caller's transaction ends: a worker
// cannot claim (delete) a mark this transaction relies on before the rows it
// covers are committed. Concurrent ingest transactions do not wait for each
// other. REQUIRES: inside the transaction that writes the rows.
// Errors: the database's.
Status MarkQualityDirty(PgConnection& db, std::span<const engine::wal::WalSample> samples);
Status MarkQualityDirtyAt(PgConnection& db, uint32_t key, int64_t ts);

// Claims at most `max_marks` marks whose block this transaction can lock
// (pg_try_advisory_xact_lock) and no other transaction holds (SKIP LOCKED),
// deleting them: by block, the hours claimed. REQUIRES: inside the caller's
// transaction, which then recomputes and upserts before it commits (the
// block locks last until then). Errors: the database's.
Result<std::map<int64_t, std::vector<int64_t>>> ClaimQualityMarks(PgConnection& db,
                                                                  size_t max_marks);

// Takes block `block`'s lock for the caller's transaction; false when
// another transaction holds it. Errors: the database's.
Result<bool> TryLockQualityBlock(PgConnection& db, int64_t block);

// The fingerprints of the stored days of the meters of `block` with days in
// [first_day, end_day): by meter key, day -> inputs. Errors: the database's.
Result<std::map<uint32_t, std::map<int64_t, uint64_t>>> StoredQualityInputs(PgConnection& db,
                                                                            int64_t block,
                                                                            int64_t first_day,
                                                                            int64_t end_day);

struct StoredQualityRow {
  uint32_t key = 0;
  vee::StoredQualityDay stored;
};
// Upserts the days (one statement). Errors: the database's.
Status UpsertQualityDays(PgConnection& db, std::span<const StoredQualityRow> rows);

// Dirty (block, hour) marks waiting (an exact count).
Result<int64_t> QualityBacklog(PgConnection& db);

// The API's reader (vee::QualityDays) on the read pool.
class PgQualityDays final : public vee::QualityDays {
 public:
  explicit PgQualityDays(PgPool& read) : read_(read) {}
  Result<std::vector<std::vector<vee::StoredQualityDay>>> Read(
      std::span<const vee::StoredDaysQuery> queries) const override;

 private:
  PgPool& read_;
};

}  // namespace metrify::store
