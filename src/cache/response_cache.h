// ResponseCache: finished analytics responses, reused until new data makes
// them stale (docs/cache.md, "Response cache"). Embedded mode keeps them in
// process (LocalResponseCache); scaled mode in Redis, shared by every
// replica (redis_response_cache.h).
//
// Invalidation is by generation. Each scope (a series kind, a meter group:
// whatever one write can make stale) has a counter; every entry is stored
// under the generation current when its request began, and only entries of
// the current generation are served. Bump(scope) after new data is visible
// in the store retires every entry of the scope at once, without finding
// them; they age out by TTL or LRU.
//
// The protocol that makes this safe (the caller's part):
//   1. lookup = Get(scope, key); on a hit serve lookup.body;
//   2. on a miss compute the response from the store;
//   3. Put(scope, key, lookup.generation, body, ttl).
// Writers: store the data, then Bump(scope). A response computed from data
// older than a Bump carries the older generation, so it is never served
// after that Bump returned: Put drops it or stores it where no Get looks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace metrify::cache {

struct CacheLookup {
  std::optional<std::string> body;  // set on a hit
  int64_t generation = 0;           // the scope's generation seen; pass it to Put()
};

// OK when `scope` can name a generation: not empty, no ':' (it is part of
// the cache keys, and a colon could make two scopes' keys collide).
// Errors: InvalidArgument.
Status ValidateScope(std::string_view scope);

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;

  // Looks `key` up in the current generation of `scope`. Returns a hit or a
  // miss; either way the generation seen. Errors: InvalidArgument (scope);
  // Unavailable when the shared cache is down (serve uncached).
  virtual Result<CacheLookup> Get(std::string_view scope, std::string_view key) = 0;

  // Stores `body` for `key` for `ttl`, under `generation` (from the Get()
  // that missed). A generation that is no longer current is dropped: the
  // body may predate new data. Errors: InvalidArgument (scope, ttl <= 0);
  // Unavailable. The arguments are copied.
  virtual Status Put(std::string_view scope, std::string_view key, int64_t generation,
                     std::string_view body, std::chrono::milliseconds ttl) = 0;

  // Starts a new generation of `scope`: no entry stored before is served
  // again, by any replica, once this returns. Returns the new generation.
  // Errors: InvalidArgument (scope); Unavailable (entries stay servable
  // until their TTL: callers log it, and keep TTLs short enough to bound it).
  virtual Result<int64_t> Bump(std::string_view scope) = 0;
};

struct LocalResponseCacheOptions {
  // Budget of keys plus bodies plus a fixed overhead per entry; the least
  // recently used entries go first when a Put would exceed it. A body
  // larger than the budget is not stored.
  size_t max_bytes = 64u << 20;
  // Milliseconds of a monotonic clock, for TTLs; default steady_clock.
  // Tests pass their own.
  std::function<int64_t()> clock;
};

// An LRU cache in process for embedded mode. Thread-safe (one mutex; every
// operation is O(1) apart from evictions).
class LocalResponseCache final : public ResponseCache {
 public:
  explicit LocalResponseCache(LocalResponseCacheOptions options = {});

  // As ResponseCache; never Unavailable.
  Result<CacheLookup> Get(std::string_view scope, std::string_view key) override;
  Status Put(std::string_view scope, std::string_view key, int64_t generation,
             std::string_view body, std::chrono::milliseconds ttl) override;
  Result<int64_t> Bump(std::string_view scope) override;

  size_t bytes() const;    // charged against max_bytes
  size_t entries() const;  // stored, stale ones included until touched or evicted

 private:
  struct Entry {
    std::string id;  // scope '\0' key
    int64_t generation = 0;
    std::string body;
    int64_t expires_at_ms = 0;
    size_t charge = 0;
  };
  using Lru = std::list<Entry>;  // front: most recently used

  int64_t GenerationOf(std::string_view scope) const;  // REQUIRES: mu_ held
  void Erase(Lru::iterator it);                        // REQUIRES: mu_ held

  const size_t max_bytes_;
  const std::function<int64_t()> clock_;
  mutable std::mutex mu_;
  Lru lru_;                                                    // guarded by mu_
  std::unordered_map<std::string_view, Lru::iterator> index_;  // Entry::id; guarded by mu_
  std::unordered_map<std::string, int64_t> generations_;       // guarded by mu_
  size_t bytes_ = 0;                                           // guarded by mu_
};

}  // namespace metrify::cache
