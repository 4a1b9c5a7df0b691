#include "cache/redis_response_cache.h"

#include <fmt/format.h>

namespace metrify::cache {
namespace {

// KEYS[1] = metrify:gen:<scope>; ARGV = entry key prefix "metrify:rc:<scope>:", key.
// Returns {generation, body or nil}.
constexpr const char* kGetScript = R"lua(
local gen = redis.call('GET', KEYS[1]) or '0'
return {gen, redis.call('GET', ARGV[1] .. gen .. ':' .. ARGV[2])}
)lua";

// KEYS[1] = metrify:gen:<scope>; ARGV = prefix, generation, key, body, ttl ms.
// Stores only while the generation is current: a body computed before a
// Bump would never be read, so it should not take memory either.
constexpr const char* kPutScript = R"lua(
local gen = redis.call('GET', KEYS[1]) or '0'
if gen ~= ARGV[2] then return 0 end
redis.call('SET', ARGV[1] .. gen .. ':' .. ARGV[3], ARGV[4], 'PX', ARGV[5])
return 1
)lua";

std::string EntryPrefix(std::string_view scope) { return fmt::format("metrify:rc:{}:", scope); }

}  // namespace

RedisResponseCache::RedisResponseCache(RedisClient& client)
    : redis_(client), get_script_(kGetScript), put_script_(kPutScript) {}

std::string RedisResponseCache::GenerationKey(std::string_view scope) {
  return fmt::format("metrify:gen:{}", scope);
}

std::string RedisResponseCache::EntryKey(std::string_view scope, int64_t generation,
                                         std::string_view key) {
  return fmt::format("{}{}:{}", EntryPrefix(scope), generation, key);
}

Status RedisResponseCache::Unexpected(std::string_view what, const RedisReply& reply) const {
  return Status::Internal(fmt::format("Redis at {}: response cache {}: unexpected reply ({})",
                                      redis_.where(), what, reply.Describe()));
}

Result<CacheLookup> RedisResponseCache::Get(std::string_view scope, std::string_view key) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  const std::string generation_key = GenerationKey(scope);
  const std::string prefix = EntryPrefix(scope);
  METRIFY_ASSIGN_OR_RETURN(RedisReply reply,
                           get_script_.Eval(redis_, {generation_key}, {prefix, key}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2 ||
      !reply.elements[0].AsInteger()) {
    return Unexpected("get", reply);
  }
  return CacheLookup{.body = reply.elements[1].AsString(),
                     .generation = *reply.elements[0].AsInteger()};
}

Status RedisResponseCache::Put(std::string_view scope, std::string_view key, int64_t generation,
                               std::string_view body, std::chrono::milliseconds ttl) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  if (ttl.count() <= 0) return Status::InvalidArgument("cache TTL must be positive");
  const std::string generation_key = GenerationKey(scope);
  const std::string prefix = EntryPrefix(scope);
  const std::string generation_text = std::to_string(generation);
  const std::string ttl_text = std::to_string(ttl.count());
  METRIFY_ASSIGN_OR_RETURN(
      RedisReply reply,
      put_script_.Eval(redis_, {generation_key}, {prefix, generation_text, key, body, ttl_text}));
  if (reply.type != RedisReply::Type::kInteger) return Unexpected("put", reply);
  return Status::Ok();
}

Result<int64_t> RedisResponseCache::Bump(std::string_view scope) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  METRIFY_ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"INCR", GenerationKey(scope)}));
  if (reply.type != RedisReply::Type::kInteger) return Unexpected("bump", reply);
  return reply.integer;
}

}  // namespace metrify::cache
