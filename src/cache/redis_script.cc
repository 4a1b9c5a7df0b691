#include "cache/redis_script.h"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace metrify::cache {
namespace {

std::string HexSha1(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

RedisScript::RedisScript(std::string source)
    : source_(std::move(source)), sha1_(HexSha1(source_)) {}

Result<RedisReply> RedisScript::Send(RedisClient& client, std::string_view verb,
                                     std::string_view body, const RedisArgv& keys,
                                     const RedisArgv& args) const {
  const std::string key_count = std::to_string(keys.size());
  RedisArgv argv{verb, body, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return client.Command(argv);
}

Result<RedisReply> RedisScript::Eval(RedisClient& client, const RedisArgv& keys,
                                     const RedisArgv& args) const {
  Result<RedisReply> reply = Send(client, "EVALSHA", sha1_, keys, args);
  if (reply.has_value() || reply.error().code() != StatusCode::kNotFound) return reply;
  // NOSCRIPT: EVAL runs the script and leaves it cached for the next EVALSHA.
  return Send(client, "EVAL", source_, keys, args);
}

}  // namespace metrify::cache
