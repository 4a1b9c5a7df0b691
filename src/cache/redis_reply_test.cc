#include "cache/redis_reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace metrify::cache {
namespace {

using ::testing::HasSubstr;

TEST(RedisReplyTest, ErrorRepliesMapByTheirCode) {
  const std::pair<std::string_view, StatusCode> cases[] = {
      {"NOAUTH Authentication required.", StatusCode::kUnauthenticated},
      {"WRONGPASS invalid username-password pair", StatusCode::kUnauthenticated},
      {"NOPERM this user has no permissions", StatusCode::kPermissionDenied},
      {"LOADING Redis is loading the dataset in memory", StatusCode::kUnavailable},
      {"BUSY Redis is busy running a script", StatusCode::kUnavailable},
      {"READONLY You can't write against a read only replica.", StatusCode::kUnavailable},
      {"OOM command not allowed when used memory > 'maxmemory'.", StatusCode::kResourceExhausted},
      {"NOSCRIPT No matching script.", StatusCode::kNotFound},
      {"WRONGTYPE Operation against a key holding the wrong kind of value", StatusCode::kInternal},
      {"ERR unknown command 'FOO'", StatusCode::kInternal},
  };
  for (const auto& [text, code] : cases) {
    Status status = RedisErrorStatus(text, "127.0.0.1:6379");
    EXPECT_EQ(status.code(), code) << text;
    EXPECT_THAT(status.message(), HasSubstr("Redis at 127.0.0.1:6379: ")) << text;
    EXPECT_THAT(status.message(), HasSubstr(text));
  }
}

TEST(RedisReplyTest, IntegersReadFromIntegerAndDecimalStringReplies) {
  RedisReply integer;
  integer.type = RedisReply::Type::kInteger;
  integer.integer = 42;
  RedisReply text;
  text.type = RedisReply::Type::kString;
  text.str = "-7";
  RedisReply word = text;
  word.str = "OK";
  EXPECT_EQ(integer.AsInteger(), 42);
  EXPECT_EQ(text.AsInteger(), -7);
  EXPECT_EQ(word.AsInteger(), std::nullopt);
  EXPECT_EQ(RedisReply{}.AsString(), std::nullopt);
  EXPECT_EQ(word.AsString(), "OK");
  EXPECT_EQ(word.Describe(), "string (2 bytes)");
}

}  // namespace
}  // namespace metrify::cache
