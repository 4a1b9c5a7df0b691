// RedisReply: one reply of a Redis server, copied out of hiredis so it
// outlives the connection. Error replies never become a RedisReply: they are
// turned into a Status by RedisErrorStatus().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct redisReply;  // hiredis

namespace metrify::cache {

struct RedisReply {
  // RESP2's reply kinds (an error reply is a Status instead). Status replies
  // such as "OK" or "QUEUED" are strings.
  enum class Type { kNil, kInteger, kString, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;               // kInteger
  std::string str;                   // kString: bulk or status text, binary-safe
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  // The integer of a kInteger reply, or of a kString holding a decimal
  // number (GET of a counter); nullopt otherwise.
  std::optional<int64_t> AsInteger() const;
  // The text of a kString reply; nullopt for nil (and any other type).
  std::optional<std::string> AsString() const;
  // "nil", "integer 3", "string (5 bytes)", "array of 2": for messages.
  std::string Describe() const;
};

// Copies a hiredis reply tree. Error replies, also nested inside arrays (as
// EXEC returns them), come back as the Status of the first one.
// REQUIRES: reply != nullptr.
Result<RedisReply> ConvertReply(const redisReply* reply, std::string_view where);

// The Status of an error reply `text` ("WRONGTYPE Operation against ...")
// from the server at `where`, by its leading code:
//   NOAUTH, WRONGPASS                        -> Unauthenticated
//   NOPERM                                   -> PermissionDenied
//   LOADING, BUSY, MASTERDOWN, TRYAGAIN,
//   CLUSTERDOWN, READONLY                    -> Unavailable (retry later)
//   OOM                                      -> ResourceExhausted
//   NOSCRIPT                                 -> NotFound (EVALSHA falls back to EVAL)
//   anything else (ERR, WRONGTYPE, ...)      -> Internal
Status RedisErrorStatus(std::string_view text, std::string_view where);

}  // namespace metrify::cache
