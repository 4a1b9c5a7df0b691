#include "cache/redis_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace metrify::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RedisEndpoint Parse(std::string_view url) {
  Result<RedisEndpoint> endpoint = ParseRedisUrl(url);
  EXPECT_TRUE(endpoint.has_value()) << url << ": " << endpoint.error().message();
  return endpoint.has_value() ? *endpoint : RedisEndpoint{};
}

TEST(RedisUrlTest, HostPortAndDatabase) {
  RedisEndpoint endpoint = Parse("redis://cache.internal:6380/3");
  EXPECT_EQ(endpoint.host, "cache.internal");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.db, 3);
  EXPECT_TRUE(endpoint.password.empty());
  EXPECT_EQ(endpoint.where(), "cache.internal:6380");
}

TEST(RedisUrlTest, DefaultsArePort6379AndDatabase0) {
  RedisEndpoint endpoint = Parse("redis://localhost");
  EXPECT_EQ(endpoint.port, 6379);
  EXPECT_EQ(endpoint.db, 0);
  EXPECT_EQ(Parse("redis://localhost/").db, 0);
}

TEST(RedisUrlTest, PasswordFormsAndPercentEscapes) {
  EXPECT_EQ(Parse("redis://:s3cret@h:1/0").password, "s3cret");
  EXPECT_EQ(Parse("redis://s3cret@h:1/0").password, "s3cret");  // a lone userinfo
  RedisEndpoint acl = Parse("redis://metrify:p%40ss%3Aword@h:1");
  EXPECT_EQ(acl.user, "metrify");
  EXPECT_EQ(acl.password, "p@ss:word");
  EXPECT_EQ(acl.where(), "h:1");
}

TEST(RedisUrlTest, Ipv6Host) {
  RedisEndpoint endpoint = Parse("redis://[::1]:7000/2");
  EXPECT_EQ(endpoint.host, "::1");
  EXPECT_EQ(endpoint.port, 7000);
  EXPECT_EQ(endpoint.where(), "[::1]:7000");
}

TEST(RedisUrlTest, UnixSocket) {
  RedisEndpoint endpoint = Parse("unix:/run/redis/redis.sock?db=2&password=pw");
  EXPECT_EQ(endpoint.unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(endpoint.db, 2);
  EXPECT_EQ(endpoint.password, "pw");
  EXPECT_EQ(endpoint.where(), "unix:/run/redis/redis.sock");
  EXPECT_EQ(Parse("unix:///tmp/r.sock").unix_path, "/tmp/r.sock");
}

TEST(RedisUrlTest, ErrorsNeverShowThePassword) {
  for (std::string_view url :
       {"redis://:topsecret@h:99999/0", "redis://:topsecret@h:1/x", "rediss://:topsecret@h:1",
        "http://:topsecret@h", "unix:/s?password=topsecret&db=-1", "redis://:topsecret@h:1/0?x=1",
        "redis://u:top%zzsecret@h"}) {
    Result<RedisEndpoint> endpoint = ParseRedisUrl(url);
    ASSERT_FALSE(endpoint.has_value()) << url;
    EXPECT_EQ(endpoint.error().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(endpoint.error().message(), Not(HasSubstr("topsecret"))) << url;
    EXPECT_THAT(endpoint.error().message(), HasSubstr("***")) << url;
  }
}

TEST(RedisUrlTest, RejectsBadPortsAndHosts) {
  for (std::string_view url : {"redis://h:0", "redis://h:", "redis://:6379", "redis://[::1",
                               "unix:relative.sock", "redis://h/65536"}) {
    EXPECT_FALSE(ParseRedisUrl(url).has_value()) << url;
  }
}

}  // namespace
}  // namespace metrify::cache
