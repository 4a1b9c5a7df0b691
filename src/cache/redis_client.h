// RedisClient: the one way Metrify talks to Redis in scaled mode
// (docs/cache.md). A small pool of blocking hiredis connections behind
// Command() and Pipeline(); the rate limiter and the caches of this folder
// are built on it.
//
// Lifecycle: Create() only parses the URL; connections are opened on first
// use, so a replica starts while Redis is down and recovers without a
// restart. A connection that failed is dropped, and one the server closed
// while it sat idle (a Redis restart) is noticed before it is used, so the
// call after an outage reconnects.
//
// Thread safety: every method may be called from any number of threads; at
// most `max_connections` run at once, the others wait for a connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "cache/redis_connection.h"
#include "cache/redis_reply.h"
#include "cache/redis_url.h"
#include "common/result.h"

namespace metrify::cache {

struct RedisOptions {
  // redis://[[user]:password@]host[:port][/db] or unix:/path?db=N (redis_url.h).
  std::string url;
  // Connecting includes AUTH and SELECT. An unreachable Redis costs each
  // call up to this long, so keep it well below request deadlines.
  std::chrono::milliseconds connect_timeout{500};
  // Per read and per write of a call. A call that runs into it reports
  // Unavailable and drops its connection (the reply may still come).
  std::chrono::milliseconds command_timeout{500};
  // Connections open at most; callers beyond it wait for one to be free.
  int max_connections = 4;
};

class RedisClient {
 public:
  // Parses options.url; connects nothing yet. Errors: InvalidArgument for a
  // bad URL (the message shows it with the password as "***") or a
  // non-positive timeout or connection count.
  static Result<std::unique_ptr<RedisClient>> Create(RedisOptions options);

  // Runs one command: {"INCR", key}. Returns its reply; an error reply comes
  // back as its Status (redis_reply.h: RedisErrorStatus). Errors:
  // Unavailable (Redis down, unreachable or too slow; the message names
  // host:port and never the password), Unauthenticated (wrong password),
  // Internal (protocol errors, errors in the command). The arguments only
  // need to live for the call.
  Result<RedisReply> Command(const RedisArgv& argv);

  // Runs `commands` in one round trip on one connection, in order, and
  // returns one reply per command. Not atomic unless the caller wraps them
  // in MULTI ... EXEC (EXEC's reply is then an array). When any reply is an
  // error the call returns the first one's Status, and the other commands
  // have still run. Errors as Command(). REQUIRES: !commands.empty().
  Result<std::vector<RedisReply>> Pipeline(std::span<const RedisArgv> commands);

  // PING. OK when Redis answers: for health checks.
  Status Ping();

  // "host:port" or "unix:/path": where Redis is, for messages and logs.
  std::string where() const { return endpoint_.where(); }

 private:
  RedisClient(RedisOptions options, RedisEndpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

  // An idle healthy connection, or a new one while fewer than
  // max_connections are open; otherwise waits for one to come back.
  Result<std::unique_ptr<RedisConnection>> Acquire();
  // Returns a connection to the idle set, or drops it when broken.
  void Release(std::unique_ptr<RedisConnection> connection);

  const RedisOptions options_;
  const RedisEndpoint endpoint_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                        // idle plus lent out; guarded by mu_
};

}  // namespace metrify::cache
