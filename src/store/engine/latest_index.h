// LatestIndex: the newest sample of every series, kept in memory so "the
// last reading of 100,000 meters" is 100,000 array reads, not 100,000
// segment reads. The engine updates it on every append and fills it at start
// from the segments and the WAL replay.
//
// Entity keys are the registry's dense integers (AUTOINCREMENT from 1), so
// the index is an array per kind, allocated in chunks of 4,096 series as
// keys appear: a lookup is two pointer hops, no hashing, and a fleet scan in
// key order walks memory in order.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "store/engine/head/head.h"

namespace metrify::engine {

class LatestIndex {
 public:
  // Keeps `sample` when it is newer than the one held for `key`, or the same
  // timestamp (a later revision of the newest sample).
  void Offer(SeriesKey key, const HeadSample& sample);
  std::optional<HeadSample> Get(SeriesKey key) const;

 private:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr size_t kLocks = 64;
  struct Entry {
    bool present = false;
    HeadSample sample;
  };
  using Chunk = std::array<Entry, kChunkSize>;
  struct Kind {
    mutable std::shared_mutex chunks_mu;         // guards the vector, not the entries
    std::vector<std::unique_ptr<Chunk>> chunks;  // index: key >> kChunkBits
  };

  // The entry of `key`, or null when its chunk does not exist (and `create`
  // is false).
  Entry* Find(SeriesKey key, bool create);
  const Entry* Find(SeriesKey key) const;
  std::mutex& LockOf(uint32_t key) const { return locks_[key % kLocks]; }

  std::array<Kind, 3> kinds_;                     // by SeriesKind - 1
  mutable std::array<std::mutex, kLocks> locks_;  // guard entries, by key
};

}  // namespace metrify::engine
