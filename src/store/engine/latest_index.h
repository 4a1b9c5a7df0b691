// LatestIndex: the newest sample of every series, kept in memory so "the
// last reading of 100,000 meters" is 100,000 array reads, not 100,000
// segment reads. The engine updates it on every append and fills it at start
// from the segments and the WAL replay.
//
// Entity keys are the registry's dense integers (AUTOINCREMENT from 1), so
// the index is an array per kind, allocated in chunks of 4,096 series as
// keys appear, found through a two-level table of atomic pointers: a lookup
// is three pointer hops, no hashing and no shared lock (a reader-count lock
// bounced between cores was a fifth of a fleet scan), and a fleet scan in
// key order walks memory in order.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
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
  // 2^10 directories x 2^10 chunks x 2^12 entries covers every uint32 key.
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr uint32_t kDirBits = 10;
  static constexpr uint32_t kDirSize = 1u << kDirBits;
  static constexpr size_t kLocks = 64;
  struct Entry {
    bool present = false;
    HeadSample sample;
  };
  using Chunk = std::array<Entry, kChunkSize>;
  using Directory = std::array<std::atomic<Chunk*>, kDirSize>;
  struct Kind {
    // Published with release stores under grow_mu; never freed or moved
    // until the index is destroyed, so readers load them without a lock.
    std::array<std::atomic<Directory*>, kDirSize> directories{};
    std::mutex grow_mu;
    std::vector<std::unique_ptr<Directory>> owned_directories;
    std::vector<std::unique_ptr<Chunk>> owned_chunks;
  };
  // A lock on its own cache line: neighbouring locks taken by different
  // cores do not invalidate each other.
  struct alignas(64) PaddedMutex {
    std::mutex mu;
  };

  // The entry of `key`, or null when its chunk does not exist (and `create`
  // is false).
  Entry* Find(SeriesKey key, bool create);
  const Entry* Find(SeriesKey key) const;
  std::mutex& LockOf(uint32_t key) const { return locks_[key % kLocks].mu; }

  std::array<Kind, std::size(model::kAllSeriesKinds)> kinds_;  // by SeriesKind - 1
  mutable std::array<PaddedMutex, kLocks> locks_;              // guard entries, by key
};

}  // namespace metrify::engine
