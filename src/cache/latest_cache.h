// LatestCache: the newest sample of each meter, for "latest reading" views
// that should not scan the store (docs/cache.md, "Latest readings").
// Embedded mode keeps it in process (LocalLatestCache); scaled mode in one
// Redis hash that every replica and worker updates (redis_latest_cache.h).
//
// The cache only moves forward: a sample replaces the held one only when it
// is newer, ordered by (timestamp_ms, revision). Late or replayed samples
// (Kafka redelivers) therefore never hide a newer one, whatever order
// writers run in. It is a cache: a miss or an error means "ask the store".
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "store/engine/head/head.h"

namespace metrify::cache {

struct LatestEntry {
  uint32_t meter_key = 0;  // the registry's dense integer key
  engine::HeadSample sample;
};

// True when `a` is newer than `b`: a later timestamp, or the same one with a
// higher revision. Equal samples are not newer (a retry writes nothing).
bool IsNewerSample(const engine::HeadSample& a, const engine::HeadSample& b);

class LatestCache {
 public:
  virtual ~LatestCache() = default;

  // Offers each entry in order; an entry is stored when its meter has no
  // sample yet or IsNewerSample(entry, held). Returns how many were stored.
  // Errors: Unavailable when the shared cache is down (some entries may have
  // been stored); Internal. Thread-safe; concurrent writers never move a
  // meter backwards.
  virtual Result<size_t> PutMany(std::span<const LatestEntry> entries) = 0;

  // The held sample of each key, in the order given; nullopt when none.
  // Errors: Unavailable; Corruption when a stored value is malformed.
  // Thread-safe.
  virtual Result<std::vector<std::optional<engine::HeadSample>>> GetMany(
      std::span<const uint32_t> meter_keys) = 0;

  // Forgets a meter (it was deleted). Errors: Unavailable. Thread-safe.
  virtual Status Erase(uint32_t meter_key) = 0;

  // One entry: true when it was stored. Errors as PutMany().
  Result<bool> Put(uint32_t meter_key, const engine::HeadSample& sample);
};

// In-process map for embedded mode. One mutex; a few hundred bytes per meter.
class LocalLatestCache final : public LatestCache {
 public:
  // As LatestCache; never fails.
  Result<size_t> PutMany(std::span<const LatestEntry> entries) override;
  Result<std::vector<std::optional<engine::HeadSample>>> GetMany(
      std::span<const uint32_t> meter_keys) override;
  Status Erase(uint32_t meter_key) override;

 private:
  std::mutex mu_;
  std::unordered_map<uint32_t, engine::HeadSample> latest_;  // guarded by mu_
};

}  // namespace metrify::cache
