// RedisResponseCache: the response cache of scaled mode, one for all
// replicas (docs/cache.md, "Response cache"; the protocol is in
// response_cache.h).
//
// Keys:
//   metrify:gen:<scope>                  the scope's generation (INCR; missing = 0; no TTL)
//   metrify:rc:<scope>:<gen>:<key>       a body, with the TTL given to Put()
// Get and Put are Lua scripts that read the generation and the entry in one
// atomic step and one round trip, so a Bump on any replica takes effect for
// every replica's next Get. They build keys inside the script, which is fine
// on a single Redis (or a primary with replicas) but not on Redis Cluster.
//
// Thread safety: thread-safe (RedisClient is).
#pragma once

#include "cache/redis_client.h"
#include "cache/redis_script.h"
#include "cache/response_cache.h"

namespace metrify::cache {

class RedisResponseCache final : public ResponseCache {
 public:
  // REQUIRES: `client` outlives this.
  explicit RedisResponseCache(RedisClient& client);

  // As ResponseCache. Errors: InvalidArgument (scope, ttl); Unavailable
  // (Redis down or slow: serve uncached; a failed Bump leaves old entries
  // servable until their TTL); Internal (unexpected reply).
  Result<CacheLookup> Get(std::string_view scope, std::string_view key) override;
  Status Put(std::string_view scope, std::string_view key, int64_t generation,
             std::string_view body, std::chrono::milliseconds ttl) override;
  Result<int64_t> Bump(std::string_view scope) override;

  // "metrify:gen:<scope>" and "metrify:rc:<scope>:<generation>:<key>".
  static std::string GenerationKey(std::string_view scope);
  static std::string EntryKey(std::string_view scope, int64_t generation, std::string_view key);

 private:
  Status Unexpected(std::string_view what, const RedisReply& reply) const;

  RedisClient& redis_;
  const RedisScript get_script_;
  const RedisScript put_script_;
};

}  // namespace metrify::cache
