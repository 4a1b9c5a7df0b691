// CachedSeriesStore: a store::SeriesStore in front of another one that
// answers "newest sample per meter" from a LatestCache and keeps a response
// cache's generation in step with what is written through it
// (docs/cache.md, "Where the caches are used").
//
// - Latest / LatestMany of readings: the cache first; the misses (or all,
//   when the cache is unavailable) from the inner store, whose answers are
//   then offered to the cache. The cache only moves forward by (timestamp,
//   revision), so a fill racing a newer write never hides it. Other kinds
//   go straight to the inner store.
// - Append: passes through; when it stored readings, their meters' newest
//   samples are read back from the inner store (which knows the revisions)
//   and offered to the cache; when it stored anything, `scope` is bumped.
// - Everything else passes through unchanged.
//
// Answers are the inner store's, bit for bit: the cache holds samples the
// inner store returned (latest_sample_codec.h is lossless).
//
// Thread safety: as the inner store; the caches are thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "cache/latest_cache.h"
#include "cache/log_throttle.h"
#include "cache/response_cache.h"
#include "store/series_store.h"

namespace metrify::cache {

struct CachedSeriesStoreOptions {
  LatestCache* latest = nullptr;       // null: Latest/LatestMany pass through
  ResponseCache* responses = nullptr;  // null: Append bumps nothing
  std::string scope = "readings";      // the response cache scope Append bumps
};

// Lookups of readings' newest samples, for metrics.
struct LatestCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;       // answered by the inner store (including "no sample")
  uint64_t unavailable = 0;  // cache calls that failed; the inner store answered
};

class CachedSeriesStore final : public store::SeriesStore {
 public:
  // REQUIRES: `inner` and the caches of `options` outlive this.
  CachedSeriesStore(store::SeriesStore& inner, CachedSeriesStoreOptions options);

  Result<store::AppendCounts> Append(model::SeriesKind kind,
                                     std::span<const engine::wal::WalSample> samples) override;
  Status ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                    std::vector<engine::HeadSample>* out,
                    uint16_t fields = kAllFields) const override;
  bool SumFromStats(engine::SeriesKey key, std::span<const int64_t> edges, int field,
                    store::FieldBuckets* out) const override;
  void SumFromStatsMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                        std::span<const int64_t> edges, int field,
                        std::vector<std::optional<store::FieldBuckets>>* out) const override {
    inner_.SumFromStatsMany(kind, keys, edges, field, out);
  }
  Status ReadLatestMany(model::SeriesKind kind, std::span<const uint32_t> keys, int64_t start_ms,
                        int64_t end_ms, std::vector<std::vector<engine::HeadSample>>* out,
                        uint16_t fields = kAllFields) const override {
    return inner_.ReadLatestMany(kind, keys, start_ms, end_ms, out, fields);
  }
  Result<std::optional<engine::HeadSample>> Latest(engine::SeriesKey key) const override;
  Result<std::vector<std::optional<engine::HeadSample>>> LatestMany(
      model::SeriesKind kind, std::span<const uint32_t> keys) const override;
  bool RemoteReads() const override { return inner_.RemoteReads(); }
  int32_t RetentionCutoffDay() const override;

  LatestCacheStats stats() const;

 private:
  // Offers the inner store's answers to the cache; failures only cost a
  // later miss.
  void Fill(std::span<const uint32_t> keys,
            std::span<const std::optional<engine::HeadSample>> samples) const;
  void NoteUnavailable(std::string_view what, const Status& status) const;

  store::SeriesStore& inner_;
  const CachedSeriesStoreOptions options_;
  mutable std::atomic<uint64_t> hits_{0}, misses_{0}, unavailable_{0};
  mutable LogThrottle log_throttle_;
};

}  // namespace metrify::cache
