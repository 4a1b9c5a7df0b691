#include "cache/redis_latest_cache.h"

#include <fmt/format.h>

#include <algorithm>

#include "cache/latest_sample_codec.h"

namespace metrify::cache {
namespace {

// KEYS[1] = the hash; ARGV = field, value, field, value, ...
// Offsets as in docs/cache.md: timestamp (int64) at byte 2 and revision
// (uint16) at byte 10, 1-based, both big-endian, in every version; so a
// value of any version is compared, never blindly overwritten. Lua numbers
// are doubles: timestamps compare exactly below 2^53 ms (year 287396).
constexpr const char* kPutScript = R"lua(
local stored = 0
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local newer = true
  if old and #old >= 11 then
    local old_ts, old_rev = struct.unpack('>i8H', old, 2)
    local ts, rev = struct.unpack('>i8H', ARGV[i + 1], 2)
    newer = ts > old_ts or (ts == old_ts and rev > old_rev)
  end
  if newer then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    stored = stored + 1
  end
end
return stored
)lua";

}  // namespace

RedisLatestCache::RedisLatestCache(RedisClient& client, std::string hash_key)
    : redis_(client), hash_key_(std::move(hash_key)), put_script_(kPutScript) {}

Result<size_t> RedisLatestCache::PutMany(std::span<const LatestEntry> entries) {
  size_t stored = 0;
  for (size_t at = 0; at < entries.size(); at += kEntriesPerCall) {
    const size_t n = std::min(kEntriesPerCall, entries.size() - at);
    METRIFY_ASSIGN_OR_RETURN(size_t part, PutPart(entries.subspan(at, n)));
    stored += part;
  }
  return stored;
}

Result<size_t> RedisLatestCache::PutPart(std::span<const LatestEntry> entries) {
  // The strings must outlive the call: the arguments are views of them.
  std::vector<std::string> texts;
  texts.reserve(entries.size() * 2);
  for (const LatestEntry& entry : entries) {
    texts.push_back(std::to_string(entry.meter_key));
    texts.push_back(EncodeLatestSample(entry.sample));
  }
  const RedisArgv args(texts.begin(), texts.end());
  METRIFY_ASSIGN_OR_RETURN(RedisReply reply, put_script_.Eval(redis_, {hash_key_}, args));
  if (reply.type != RedisReply::Type::kInteger) {
    return Status::Internal(fmt::format("Redis at {}: latest cache put: unexpected reply ({})",
                                        redis_.where(), reply.Describe()));
  }
  return static_cast<size_t>(reply.integer);
}

Result<std::vector<std::optional<engine::HeadSample>>> RedisLatestCache::GetMany(
    std::span<const uint32_t> meter_keys) {
  std::vector<std::optional<engine::HeadSample>> out;
  if (meter_keys.empty()) return out;
  std::vector<std::string> fields;
  fields.reserve(meter_keys.size());
  for (uint32_t key : meter_keys) fields.push_back(std::to_string(key));
  RedisArgv argv{"HMGET", hash_key_};
  argv.insert(argv.end(), fields.begin(), fields.end());
  METRIFY_ASSIGN_OR_RETURN(RedisReply reply, redis_.Command(argv));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != meter_keys.size()) {
    return Status::Internal(fmt::format("Redis at {}: latest cache get: unexpected reply ({})",
                                        redis_.where(), reply.Describe()));
  }
  out.reserve(meter_keys.size());
  for (size_t i = 0; i < meter_keys.size(); ++i) {
    const RedisReply& value = reply.elements[i];
    if (value.is_nil()) {
      out.push_back(std::nullopt);
      continue;
    }
    Result<engine::HeadSample> sample = DecodeLatestSample(value.str);
    if (sample.has_value()) {
      out.push_back(*sample);
    } else if (sample.error().code() == StatusCode::kNotFound) {
      out.push_back(std::nullopt);  // another version: a miss, the store answers
    } else {
      return Status::Corruption(fmt::format("Redis at {}: {} field {}: {}", redis_.where(),
                                            hash_key_, meter_keys[i], sample.error().message()));
    }
  }
  return out;
}

Status RedisLatestCache::Erase(uint32_t meter_key) {
  return redis_.Command({"HDEL", hash_key_, std::to_string(meter_key)}).status();
}

}  // namespace metrify::cache
