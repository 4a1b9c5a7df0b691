// Head: the in-memory part of the readings engine (docs/engine.md). It
// holds every sample appended since the last flush, per series and UTC-day
// partition, sorted by timestamp, with revisions:
//
//  - a new (series, timestamp) is inserted as revision 0, the raw original;
//  - the same timestamp with bit-identical fields is a no-op (duplicates
//    from retries cost nothing and change nothing);
//  - different fields append a new revision; earlier ones are kept, so raw
//    data is never overwritten.
//
// Thread safety: all methods are thread-safe. Series are sharded so
// appenders for different meters rarely contend; readers take shared locks.
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "model/series.h"

namespace metrify::engine {

struct SeriesKey {
  model::SeriesKind kind = model::SeriesKind::kReading;
  uint32_t entity_key = 0;  // the registry's dense integer key
  auto operator<=>(const SeriesKey&) const = default;
};

// One revision of one sample, as the head stores and returns it.
struct HeadSample {
  int64_t timestamp_ms = 0;
  int32_t interval_s = 0;
  uint16_t present = 0;   // bit i: field i given
  uint16_t revision = 0;  // 0 = the raw original
  std::array<double, model::kMaxSeriesFields> values{};

  bool SameData(const HeadSample& other) const;  // interval, present and bit-identical values
};

enum class UpsertOutcome { kInserted, kUnchanged, kRevised };

// Days since the epoch of a UTC instant: the partition a sample belongs to.
int32_t PartitionOf(int64_t timestamp_ms);

class Head {
 public:
  Head();

  // Applies one sample (revision is ignored on input). Returns what happened.
  // `flushed`, when not null, is the latest revision of the same (series,
  // timestamp) already in segments (its partition was flushed before): when
  // the head holds no revision of that timestamp, the sample is compared with
  // it instead, so a retry stays a no-op and a change continues its revision
  // numbering (docs/engine.md, "Upserts into flushed days").
  UpsertOutcome Upsert(SeriesKey key, const HeadSample& sample,
                       const HeadSample* flushed = nullptr);

  // The latest revision of every sample of `key` with start <= ts < end, in
  // timestamp order, appended to `out`.
  void ScanLatest(SeriesKey key, int64_t start_ms, int64_t end_ms,
                  std::vector<HeadSample>* out) const;
  // Every revision of the samples in range, ordered by (timestamp, revision).
  void ScanRevisions(SeriesKey key, int64_t start_ms, int64_t end_ms,
                     std::vector<HeadSample>* out) const;

  // Approximate bytes held (samples and index), for the memory bound.
  size_t memory_bytes() const { return memory_bytes_.load(std::memory_order_relaxed); }
  // Samples held, counting every revision.
  size_t sample_count() const { return sample_count_.load(std::memory_order_relaxed); }

  // Removes partition `day` of every series, calling `visit` once per series
  // with its revisions in (timestamp, revision) order; `visit` may move the
  // vector away: the flush takes them for the segment writer. Appends to
  // that day during the call are either visited or stay in the head, never
  // lost.
  void DrainPartition(int32_t day,
                      const std::function<void(SeriesKey, std::vector<HeadSample>&)>& visit);
  // Partitions that hold data, ascending.
  std::vector<int32_t> Partitions() const;

 private:
  struct SeriesDay {
    std::vector<HeadSample> samples;  // sorted by (timestamp, revision)
  };
  struct PartitionKey {
    SeriesKey series;
    int32_t day;
    bool operator==(const PartitionKey&) const = default;
  };
  struct PartitionKeyHash {
    size_t operator()(const PartitionKey& k) const;
  };
  // A cache line (or two) of its own: readers' lock traffic on one shard
  // must not evict the map header an appender needs in the next one.
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<PartitionKey, SeriesDay, PartitionKeyHash> days;
  };
  static constexpr size_t kShards = 64;

  Shard& ShardOf(SeriesKey key) { return shards_[Hash(key) % kShards]; }
  const Shard& ShardOf(SeriesKey key) const { return shards_[Hash(key) % kShards]; }
  static size_t Hash(SeriesKey key);
  template <typename Emit>
  void Scan(SeriesKey key, int64_t start_ms, int64_t end_ms, Emit emit) const;

  std::array<Shard, kShards> shards_;
  std::atomic<size_t> memory_bytes_{0};
  std::atomic<size_t> sample_count_{0};
};

}  // namespace metrify::engine
