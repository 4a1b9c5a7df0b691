// LatestIndex: the newest sample of every series, kept in memory so "the
// last reading of 100,000 meters" is 100,000 hash lookups, not 100,000
// segment reads. The engine updates it on every append and fills it at start
// from the segments and the WAL replay.
//
// Thread safety: all methods may be called concurrently (sharded locks).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "store/engine/head/head.h"

namespace metrify::engine {

class LatestIndex {
 public:
  // Keeps `sample` when it is newer than the one held for `key`, or the same
  // timestamp (a later revision of the newest sample).
  void Offer(SeriesKey key, const HeadSample& sample) {
    Shard& shard = ShardOf(key);
    std::lock_guard lock(shard.mu);
    auto [it, inserted] = shard.latest.try_emplace(Pack(key), sample);
    if (!inserted && it->second.timestamp_ms <= sample.timestamp_ms) it->second = sample;
  }

  std::optional<HeadSample> Get(SeriesKey key) const {
    const Shard& shard = ShardOf(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.latest.find(Pack(key));
    if (it == shard.latest.end()) return std::nullopt;
    return it->second;
  }

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, HeadSample> latest;
  };
  static uint64_t Pack(SeriesKey key) {
    return (static_cast<uint64_t>(key.kind) << 32) | key.entity_key;
  }
  Shard& ShardOf(SeriesKey key) { return shards_[key.entity_key % kShards]; }
  const Shard& ShardOf(SeriesKey key) const { return shards_[key.entity_key % kShards]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace metrify::engine
