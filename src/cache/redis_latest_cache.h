// RedisLatestCache: the latest-reading cache of scaled mode, one Redis hash
// shared by every replica and worker (docs/cache.md, "Latest readings").
//
// Key: metrify:latest (a hash; no TTL). Field: the meter key in decimal.
// Value: latest_sample_codec.h's encoding. A Lua script compares each
// offered sample's (timestamp, revision) with the held one and writes only
// newer ones, atomically, so concurrent writers on any number of instances
// never move a meter backwards. GetMany is one HMGET.
//
// Thread safety: thread-safe (RedisClient is).
#pragma once

#include <string>

#include "cache/latest_cache.h"
#include "cache/redis_client.h"
#include "cache/redis_script.h"

namespace metrify::cache {

class RedisLatestCache final : public LatestCache {
 public:
  // Entries per script call: Redis runs one script at a time, so a huge
  // batch would stall every other client; larger batches are split, one
  // round trip per part.
  static constexpr size_t kEntriesPerCall = 500;

  // `hash_key` defaults to "metrify:latest"; another name keeps other series
  // kinds (or tests) apart. REQUIRES: `client` outlives this.
  explicit RedisLatestCache(RedisClient& client, std::string hash_key = "metrify:latest");

  // As LatestCache. Errors: Unavailable (Redis down or slow; parts already
  // sent stay stored); Internal (unexpected reply); GetMany also Corruption
  // naming the meter of a malformed value. A value of an unknown encoding
  // version reads as a miss.
  Result<size_t> PutMany(std::span<const LatestEntry> entries) override;
  Result<std::vector<std::optional<engine::HeadSample>>> GetMany(
      std::span<const uint32_t> meter_keys) override;
  Status Erase(uint32_t meter_key) override;

 private:
  Result<size_t> PutPart(std::span<const LatestEntry> entries);

  RedisClient& redis_;
  const std::string hash_key_;
  const RedisScript put_script_;
};

}  // namespace metrify::cache
