// RedisEndpoint: where a Redis server is and how to log in, parsed from the
// `redis.url` setting (docs/cache.md, "Connecting").
//
//   redis://[[user]:password@]host[:port][/db]   port 6379, db 0 by default
//   redis://password@host                         a lone userinfo is the password
//   unix:/path/to/redis.sock[?db=N&password=P]
//
// Percent-escapes (%40 for '@') are decoded in the user and password.
// `rediss://` (TLS) is refused: the hiredis on Debian 12 is built without it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::cache {

struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  uint16_t port = 6379;
  std::string unix_path;  // set for unix: URLs
  std::string user;       // Redis 6 ACL user; empty: AUTH with the password only
  std::string password;   // secret: never put it into messages
  int db = 0;             // SELECTed after connecting when not 0

  // For messages: "host:port" or "unix:/path"; never the password.
  std::string where() const;
};

// Parses `url`. Errors: InvalidArgument naming the problem and the URL with
// its password replaced by "***".
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace metrify::cache
