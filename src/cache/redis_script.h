// RedisScript: a Lua script run on the Redis server, for the updates that
// must read and write atomically (docs/cache.md lists every script).
//
// Eval() sends EVALSHA with the script's SHA-1, so the text crosses the
// network only when the server does not know it yet (first use, or after a
// restart or SCRIPT FLUSH): then NOSCRIPT is answered and EVAL follows.
//
// Thread safety: immutable after construction; Eval() may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "cache/redis_client.h"
#include "common/result.h"

namespace metrify::cache {

class RedisScript {
 public:
  // `source` is the Lua text; it is hashed once here.
  explicit RedisScript(std::string source);

  // Runs the script with KEYS = `keys` and ARGV = `args`. Returns its reply.
  // Errors: as RedisClient::Command(); an error raised by the script is
  // Internal. The arguments only need to live for the call.
  Result<RedisReply> Eval(RedisClient& client, const RedisArgv& keys, const RedisArgv& args) const;

  // The lower-case hex SHA-1 of the source, as SCRIPT LOAD would return it.
  const std::string& sha1() const { return sha1_; }

 private:
  Result<RedisReply> Send(RedisClient& client, std::string_view verb, std::string_view body,
                          const RedisArgv& keys, const RedisArgv& args) const;

  std::string source_;
  std::string sha1_;
};

}  // namespace metrify::cache
