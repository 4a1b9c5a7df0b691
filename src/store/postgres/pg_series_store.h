// PgSeriesStore: the SeriesStore of scaled mode, on PostgreSQL 15
// (docs/scaled.md). Each kind has its table, partitioned by UTC day
// (pg_migrations.cc v4, v5): readings, grid_status, observations and
// vee_overlay. A row is one revision of one sample; revision 0 is the raw
// original and is never changed.
//
// Writes go through binary COPY into a temporary table, then one statement
// compares every incoming sample with the latest stored revision of its
// (entity, ts), inserts the new and changed ones with the next revision and
// moves latest_samples forward: idempotent, so a batch delivered twice
// stores nothing the second time. A batch of samples none of which is
// stored yet (the usual case) is COPYed straight into the table instead,
// in a savepoint: the primary key refuses it if any is, and the batch then
// goes the comparing way. Samples repeating an (entity, ts) within
// one call are applied in order, one round per repeat, as the engine does.
// Day partitions are made ahead of the transaction by the writer itself.
//
// Reads go to the read pool (a replica when postgres.read_url is set, so
// they may lag the writes by the replica's delay).
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_pool.h"
#include "store/series_store.h"

namespace metrify::store {

struct PgSeriesTable;

class PgSeriesStore : public SeriesStore {
 public:
  // The pools must outlive the store; `read` may be `write`. Samples older
  // than retention_days (0: keep all) are refused by ingest.
  PgSeriesStore(PgPool& write, PgPool& read, int retention_days = 0);

  Result<AppendCounts> Append(model::SeriesKind kind,
                              std::span<const engine::wal::WalSample> samples) override;
  Status ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                    std::vector<engine::HeadSample>* out,
                    uint16_t fields = kAllFields) const override;
  Result<std::optional<engine::HeadSample>> Latest(engine::SeriesKey key) const override;
  Result<std::vector<std::optional<engine::HeadSample>>> LatestMany(
      model::SeriesKind kind, std::span<const uint32_t> keys) const override;
  bool SumFromStats(engine::SeriesKey key, std::span<const int64_t> edges, int field,
                    FieldBuckets* out) const override;
  void SumFromStatsMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                        std::span<const int64_t> edges, int field,
                        std::vector<std::optional<FieldBuckets>>* out) const override;
  Status ReadLatestMany(model::SeriesKind kind, std::span<const uint32_t> keys, int64_t start_ms,
                        int64_t end_ms, std::vector<std::vector<engine::HeadSample>>* out,
                        uint16_t fields = kAllFields) const override;
  int32_t RetentionCutoffDay() const override;
  bool RemoteReads() const override { return true; }

  // For a caller that writes more in the same transaction (the ingest
  // worker: rows and the Kafka offsets they came from). First, outside any
  // transaction, PreparePartitions for the samples; then, inside one,
  // AppendIn. Errors as Append.
  Status PreparePartitions(PgConnection& db, model::SeriesKind kind,
                           std::span<const engine::wal::WalSample> samples);
  static Result<AppendCounts> AppendIn(PgConnection& db, model::SeriesKind kind,
                                       std::span<const engine::wal::WalSample> samples);

  // The table of a kind: "readings", "grid_status", "observations",
  // "vee_overlay".
  static std::string_view TableOf(model::SeriesKind kind);

 private:
  // Round 0 of AppendIn the cheap way when no sample of it is stored yet:
  // COPY straight into the table inside a savepoint. Returns false, with
  // nothing written, when some (entity, ts) is stored (then the caller
  // compares). Adds to *first_stored the entities the store held nothing
  // of before. Errors: the database's.
  static Result<bool> CopyIfAllNew(PgConnection& db, const PgSeriesTable& t,
                                   std::span<const engine::wal::WalSample> round,
                                   std::vector<uint32_t>* first_stored);

  PgPool& write_;
  PgPool& read_;
  const int retention_days_;
  std::mutex made_mu_;
  std::set<std::pair<model::SeriesKind, int64_t>> made_days_;  // guarded by made_mu_
};

}  // namespace metrify::store
