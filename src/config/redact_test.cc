#include "config/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/key_table.h"

namespace metrify::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConfigRedactUrl, HidesUserinfoPassword) {
  EXPECT_EQ(RedactUrl("postgres://metrify:s3cret@db:5432/metrify"),
            "postgres://metrify:***@db:5432/metrify");
  EXPECT_EQ(RedactUrl("redis://:s3cret@cache:6379/0"), "redis://:***@cache:6379/0");
}

TEST(ConfigRedactUrl, KeepsUrlsWithoutSecrets) {
  EXPECT_EQ(RedactUrl(""), "");
  EXPECT_EQ(RedactUrl("postgres://db:5432/metrify"), "postgres://db:5432/metrify");
  EXPECT_EQ(RedactUrl("postgres://metrify@db/metrify?sslmode=require"),
            "postgres://metrify@db/metrify?sslmode=require");
  EXPECT_EQ(RedactUrl("db:5432"), "db:5432");
}

TEST(ConfigRedactUrl, LoneRedisUserinfoIsAPassword) {
  EXPECT_EQ(RedactUrl("redis://s3cret@cache:6379"), "redis://***@cache:6379");
  EXPECT_EQ(RedactUrl("rediss://s3cret@cache:6380"), "rediss://***@cache:6380");
}

TEST(ConfigRedactUrl, HidesPasswordQueryParameters) {
  EXPECT_EQ(RedactUrl("postgres://db/metrify?sslmode=require&password=s3cret&connect_timeout=5"),
            "postgres://db/metrify?sslmode=require&password=***&connect_timeout=5");
  EXPECT_EQ(RedactUrl("postgres://db/m?sslpassword=s3cret"), "postgres://db/m?sslpassword=***");
  EXPECT_EQ(RedactUrl("redis://cache/0?PASSWORD=s3cret"), "redis://cache/0?PASSWORD=***");
  EXPECT_EQ(RedactUrl("x://h/?auth_token=s3cret"), "x://h/?auth_token=***");
}

TEST(ConfigRedactUrl, HidesBothUserinfoAndQueryPasswords) {
  EXPECT_EQ(RedactUrl("postgres://u:a@db/m?password=b"), "postgres://u:***@db/m?password=***");
}

TEST(ConfigRedactUrl, PasswordWithUnescapedDelimitersStaysHidden) {
  // Invalid URLs, but operators write them; nothing of the password may show.
  for (const char* url : {"postgres://u:pa/ss@db/m", "postgres://u:pa?ss@db/m",
                          "postgres://u:pa@ss@db/m", "postgres://u:pa#ss@db/m"}) {
    std::string redacted = RedactUrl(url);
    EXPECT_THAT(redacted, Not(HasSubstr("pa"))) << url;
    EXPECT_THAT(redacted, Not(HasSubstr("ss"))) << url;
    EXPECT_THAT(redacted, HasSubstr("u:***@db/m")) << url;
  }
}

TEST(ConfigRedactUrl, HidesLibpqKeywordPasswords) {
  EXPECT_EQ(RedactUrl("host=db user=metrify password=s3cret dbname=metrify"),
            "host=db user=metrify password=*** dbname=metrify");
  EXPECT_EQ(RedactUrl("host=db password = 's3 cr\\'et' port=5432"),
            "host=db password = *** port=5432");
  EXPECT_EQ(RedactUrl("host=db password='unterminated s3cret"), "host=db password=***");
}

TEST(ConfigRedactUrl, HidesUserinfoOfUnparseableText) {
  EXPECT_EQ(RedactUrl("u:s3cret@db:5432"), "***@db:5432");
}

TEST(ConfigRedactForDisplay, FollowsTheKeysSecrecy) {
  EXPECT_EQ(RedactForDisplay(*FindKey("postgres.password"), "s3cret"), "***");
  EXPECT_EQ(RedactForDisplay(*FindKey("postgres.password"), ""), "");
  EXPECT_EQ(RedactForDisplay(*FindKey("postgres.url"), "postgres://u:s3cret@db/m"),
            "postgres://u:***@db/m");
  EXPECT_EQ(RedactForDisplay(*FindKey("redis.url"), "redis://s3cret@cache"), "redis://***@cache");
  EXPECT_EQ(RedactForDisplay(*FindKey("kafka.brokers"), "k1:9092"), "k1:9092");
}

TEST(ConfigRedactForDisplay, EverySecretKeyHidesItsPassword) {
  for (const KeyDef& key : Keys()) {
    if (!key.secret()) continue;
    std::string shown = RedactForDisplay(key, "postgres://user:s3cret@host/db?password=s3cret");
    EXPECT_THAT(shown, Not(HasSubstr("s3cret"))) << key.name;
  }
}

}  // namespace
}  // namespace metrify::config
