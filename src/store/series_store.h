// SeriesStore: where the time series live (readings, grid status, weather
// observations and VEE's overlay), as the pipeline and the API see them.
// Embedded mode keeps them in the readings engine of our own
// (store/engine/readings_engine.h); scaled mode in PostgreSQL
// (store/postgres/pg_series_store.h). Both keep the same contract:
//
// Upserts: (kind, entity key, timestamp) is the key; an identical repeat
// is a no-op, a change a new revision; the first (raw) revision is kept.
// Reads see the latest revision of each timestamp.
// Durability: Append returns OK only once its samples are durable.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "model/series.h"
#include "store/engine/head/head.h"
#include "store/engine/wal/sample_batch.h"

namespace metrify::store {

// What one Append did with its samples.
struct AppendCounts {
  size_t inserted = 0;   // new (series, timestamp)
  size_t unchanged = 0;  // identical to the stored latest revision: no-op
  size_t revised = 0;    // a new revision of an existing timestamp
  // Entities whose first sample of the kind this call stored: the store
  // held none of them before. Only stores that can say at no extra cost
  // fill it (PostgreSQL); empty means "not known", never "none were".
  std::vector<uint32_t> first_stored;
};

// Count and sum of one field of interval readings per bucket: bucket i
// takes the samples with edges[i] < timestamp <= edges[i+1] (a reading is
// stamped at the end of its interval).
struct FieldBuckets {
  std::vector<uint32_t> samples;  // per bucket, whether or not they carry the field
  std::vector<uint32_t> values;   // per bucket, samples carrying the field
  std::vector<double> sums;
  int32_t interval_s = 0;  // 0 when the range holds no sample at all
};

class SeriesStore {
 public:
  // Every field of a kind, for ReadLatest's `fields`.
  static constexpr uint16_t kAllFields = 0xFFFF;

  virtual ~SeriesStore() = default;

  // Stores `samples` of `kind` durably. Errors, with nothing stored:
  // InvalidArgument when a sample has no field or a field the kind lacks;
  // ResourceExhausted when the store is at a limit (retry later);
  // Unavailable when its database cannot be reached; IOError, Corruption.
  virtual Result<AppendCounts> Append(model::SeriesKind kind,
                                      std::span<const engine::wal::WalSample> samples) = 0;

  // Appends the latest revision of every sample of `key` with start_ms <=
  // timestamp < end_ms, ascending by timestamp, with only the fields in
  // `fields` (bit i: field i; the others absent).
  virtual Status ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                            std::vector<engine::HeadSample>* out,
                            uint16_t fields = kAllFields) const = 0;

  // Fills *out with the per-bucket count and sum of `field` when the store
  // can do so without reading every sample (the engine's block statistics),
  // and returns true; false means "read the samples instead" (out is then
  // unspecified). `edges` ascend.
  virtual bool SumFromStats(engine::SeriesKey /*key*/, std::span<const int64_t> /*edges*/,
                            int /*field*/, FieldBuckets* /*out*/) const {
    return false;
  }

  // SumFromStats for many entities of `kind` at once: (*out)[i] answers
  // for keys[i], nullopt where its samples must be read instead. One round
  // trip where the store has one (RemoteReads); by default one call each.
  virtual void SumFromStatsMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                                std::span<const int64_t> edges, int field,
                                std::vector<std::optional<FieldBuckets>>* out) const {
    out->assign(keys.size(), std::nullopt);
    for (size_t i = 0; i < keys.size(); ++i) {
      FieldBuckets sums;
      if (SumFromStats(engine::SeriesKey{kind, keys[i]}, edges, field, &sums)) {
        (*out)[i] = std::move(sums);
      }
    }
  }

  // ReadLatest for many entities of `kind` at once: (*out)[i] gets keys[i]'s
  // samples (replacing what it held). One round trip where the store has one.
  virtual Status ReadLatestMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                                int64_t start_ms, int64_t end_ms,
                                std::vector<std::vector<engine::HeadSample>>* out,
                                uint16_t fields = kAllFields) const {
    out->assign(keys.size(), {});
    for (size_t i = 0; i < keys.size(); ++i) {
      METRIFY_RETURN_IF_ERROR(
          ReadLatest(engine::SeriesKey{kind, keys[i]}, start_ms, end_ms, &(*out)[i], fields));
    }
    return Status::Ok();
  }

  // The newest sample of `key`; nullopt when it has none.
  virtual Result<std::optional<engine::HeadSample>> Latest(engine::SeriesKey key) const = 0;

  // The newest sample of each of `keys` of `kind` (nullopt where none), in
  // the order of `keys`: one round trip for a fleet where the store has one.
  virtual Result<std::vector<std::optional<engine::HeadSample>>> LatestMany(
      model::SeriesKind kind, std::span<const uint32_t> keys) const {
    std::vector<std::optional<engine::HeadSample>> out;
    out.reserve(keys.size());
    for (uint32_t key : keys) {
      METRIFY_ASSIGN_OR_RETURN(std::optional<engine::HeadSample> latest,
                               Latest(engine::SeriesKey{kind, key}));
      out.push_back(std::move(latest));
    }
    return out;
  }

  // Whether a read is a round trip to another server (PostgreSQL) rather
  // than a lookup in this process: callers then ask for many at once and
  // keep more of what they saw.
  virtual bool RemoteReads() const { return false; }

  // The first UTC day (days since the epoch) inside the retention window;
  // INT32_MIN when everything is kept. Older samples are refused by ingest.
  virtual int32_t RetentionCutoffDay() const = 0;
};

}  // namespace metrify::store
