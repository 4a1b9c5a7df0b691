// RedisConnection: one blocking hiredis connection, logged in and on its
// database, that runs batches of commands in one round trip. RedisClient
// pools these; nothing else should need them.
//
// Thread safety: none; one thread at a time (the pool lends each to one).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_reply.h"
#include "cache/redis_url.h"
#include "common/result.h"

struct redisContext;  // hiredis

namespace metrify::cache {

// One command and its arguments, binary-safe: {"SET", key, value}. The
// strings only need to live until the call that takes them returns.
using RedisArgv = std::vector<std::string_view>;

class RedisConnection {
 public:
  // Connects to `endpoint` within `connect_timeout`, sets `command_timeout`
  // for every later read and write, then sends AUTH (when a password is set)
  // and SELECT (when db != 0). Errors: Unavailable naming endpoint.where()
  // (never the password); the Status of a refused AUTH or SELECT
  // (Unauthenticated for a wrong password).
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisEndpoint& endpoint,
                                                       std::chrono::milliseconds connect_timeout,
                                                       std::chrono::milliseconds command_timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Writes every command, then reads one reply per command, in order.
  // Returns the replies, or the first error reply's Status (RedisErrorStatus)
  // once all replies have been read, so the connection stays usable. Errors:
  // Unavailable when the server cannot be reached or does not answer within
  // the command timeout; Internal for a protocol error. After those two the
  // connection is broken() and must be dropped: a command may or may not
  // have run. REQUIRES: !commands.empty(), !broken().
  Result<std::vector<RedisReply>> Run(std::span<const RedisArgv> commands);

  // True once a read or write failed.
  bool broken() const { return broken_; }
  // True when the server has closed this idle connection (a restart, an
  // idle timeout): the socket is readable although no reply is pending.
  // Costs one poll(2), no round trip.
  bool ClosedByPeer() const;

 private:
  RedisConnection(redisContext* context, std::string where, std::chrono::milliseconds timeout)
      : context_(context), where_(std::move(where)), command_timeout_(timeout) {}
  // The Status of the hiredis error in context_; marks the connection broken.
  Status Failure(std::string_view doing);

  redisContext* context_;
  std::string where_;
  std::chrono::milliseconds command_timeout_;
  bool broken_ = false;
};

}  // namespace metrify::cache
