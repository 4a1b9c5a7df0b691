#include "cache/redis_reply.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include "common/strings.h"

namespace metrify::cache {

std::optional<int64_t> RedisReply::AsInteger() const {
  if (type == Type::kInteger) return integer;
  if (type != Type::kString) return std::nullopt;
  std::optional<long long> number = ParseInt(str);
  if (!number) return std::nullopt;
  return static_cast<int64_t>(*number);
}

std::optional<std::string> RedisReply::AsString() const {
  if (type != Type::kString) return std::nullopt;
  return str;
}

std::string RedisReply::Describe() const {
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kInteger:
      return fmt::format("integer {}", integer);
    case Type::kString:
      return fmt::format("string ({} bytes)", str.size());
    case Type::kArray:
      return fmt::format("array of {}", elements.size());
  }
  return "?";
}

Status RedisErrorStatus(std::string_view text, std::string_view where) {
  std::string_view code = text.substr(0, text.find(' '));
  std::string message = fmt::format("Redis at {}: {}", where, text);
  if (code == "NOAUTH" || code == "WRONGPASS") return {StatusCode::kUnauthenticated, message};
  if (code == "NOPERM") return {StatusCode::kPermissionDenied, message};
  for (std::string_view busy :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"}) {
    if (code == busy) return Status::Unavailable(message);
  }
  if (code == "OOM") return Status::ResourceExhausted(message);
  if (code == "NOSCRIPT") return Status::NotFound(message);
  return Status::Internal(message);
}

Result<RedisReply> ConvertReply(const redisReply* reply, std::string_view where) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_NIL:
      return out;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      return out;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply->str, reply->len);
      return out;
    case REDIS_REPLY_ERROR:
      return RedisErrorStatus(std::string_view(reply->str, reply->len), where);
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) {
        METRIFY_ASSIGN_OR_RETURN(RedisReply element, ConvertReply(reply->element[i], where));
        out.elements.push_back(std::move(element));
      }
      return out;
  }
  return Status::Internal(fmt::format("Redis at {}: unknown reply type {}", where, reply->type));
}

}  // namespace metrify::cache
