#include "config/value_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "config/key_table.h"

namespace metrify::config {
namespace {

using ::testing::HasSubstr;

TEST(ConfigKeyTable, EveryDefaultParsesInEveryProfile) {
  for (const KeyDef& key : Keys()) {
    for (Profile profile : {Profile::kDevelopment, Profile::kStaging, Profile::kProduction}) {
      auto value = ParseValue(key, key.defaults.For(profile));
      EXPECT_TRUE(value.has_value())
          << key.name << " in " << ProfileName(profile) << ": " << value.error().ToString();
    }
  }
}

TEST(ConfigKeyTable, EveryKeyHasDescriptionStoreAndUniqueVariable) {
  std::set<std::string> variables;
  for (const KeyDef& key : Keys()) {
    EXPECT_FALSE(key.description.empty()) << key.name;
    EXPECT_NE(key.store, nullptr) << key.name;
    EXPECT_TRUE(variables.insert(EnvVarName(key)).second) << key.name;
  }
  EXPECT_EQ(EnvVarName(*FindKey("server.max_body_bytes")), "METRIFY_SERVER_MAX_BODY_BYTES");
  EXPECT_EQ(EnvVarName(*FindKey("mode")), "METRIFY_MODE");
}

TEST(ConfigKeyTable, SuggestsCloseKeysOnly) {
  EXPECT_EQ(SuggestKey("server.lisen"), "server.listen");
  EXPECT_EQ(SuggestKey("log.lvel"), "log.level");
  EXPECT_EQ(SuggestKey("server.data_dir"), "storage.data_dir");
  EXPECT_EQ(SuggestKey("completely.different"), "");
}

TEST(ConfigParseSize, AcceptsBytesAndBinarySuffixes) {
  EXPECT_EQ(ParseSize("1024"), 1024u);
  EXPECT_EQ(ParseSize("512KiB"), 512u * 1024);
  EXPECT_EQ(ParseSize("64MiB"), 64u << 20);
  EXPECT_EQ(ParseSize("64 mib"), 64u << 20);
  EXPECT_EQ(ParseSize("1GiB"), 1u << 30);
  EXPECT_EQ(ParseSize("100B"), 100u);
}

TEST(ConfigParseSize, RejectsDecimalUnitsFractionsAndJunk) {
  for (const char* text : {"64MB", "1.5GiB", "-1", "+5", "KiB", "", "lots", "99999999999GiB"}) {
    EXPECT_EQ(ParseSize(text), std::nullopt) << text;
  }
}

TEST(ConfigParseSize, ErrorMessageShowsRangeWithUnits) {
  auto value = ParseValue(*FindKey("server.max_body_bytes"), "2GiB");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().message(),
            "expected a size from 1KiB to 1GiB (bytes, or a whole number with KiB, MiB or GiB), "
            "got \"2GiB\"");
}

TEST(ConfigParseHostPort, AcceptsHostsAndBracketedIpv6) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:8000"), (HostPort{"127.0.0.1", 8000}));
  EXPECT_EQ(ParseHostPort("db.local:0"), (HostPort{"db.local", 0}));
  EXPECT_EQ(ParseHostPort("[::1]:65535"), (HostPort{"::1", 65535}));
}

TEST(ConfigParseHostPort, RejectsMissingPartsAndBadPorts) {
  for (const char* text : {"8000", ":8000", "host:", "host:65536", "host:-1", "host:+80",
                           "::1:8000", "[::1]8000", "[]:80", "my host:80", "host:80x"}) {
    EXPECT_EQ(ParseHostPort(text), std::nullopt) << text;
  }
}

TEST(ConfigParseHostPort, FormatRestoresBrackets) {
  EXPECT_EQ(FormatHostPort({"::1", 8000}), "[::1]:8000");
  EXPECT_EQ(FormatHostPort({"0.0.0.0", 80}), "0.0.0.0:80");
}

TEST(ConfigParseBool, AcceptsCommonSpellings) {
  for (const char* text : {"true", "TRUE", "yes", "on", "1"}) EXPECT_EQ(ParseBool(text), true);
  for (const char* text : {"false", "No", "off", "0"}) EXPECT_EQ(ParseBool(text), false);
  EXPECT_EQ(ParseBool("maybe"), std::nullopt);
}

TEST(ConfigParseValue, IntegersAreWholeAndInRange) {
  const KeyDef& threads = *FindKey("server.threads");
  EXPECT_EQ(std::get<int64_t>(*ParseValue(threads, " 16 ")), 16);
  EXPECT_EQ(std::get<int64_t>(*ParseValue(threads, "256")), 256);
  for (const char* text : {"257", "-1", "1.5", "1e2", "", "0x10"}) {
    auto value = ParseValue(threads, text);
    ASSERT_FALSE(value.has_value()) << text;
    EXPECT_THAT(value.error().message(), HasSubstr("expected an integer from 0 to 256"));
  }
}

TEST(ConfigParseValue, NumbersRespectExclusiveMinimum) {
  const KeyDef& timeout = *FindKey("server.read_timeout_s");
  EXPECT_EQ(std::get<double>(*ParseValue(timeout, "0.25")), 0.25);
  EXPECT_EQ(std::get<double>(*ParseValue(timeout, "3600")), 3600);
  for (const char* text : {"0", "-1", "3600.5", "inf", "nan", "30s"}) {
    EXPECT_FALSE(ParseValue(timeout, text).has_value()) << text;
  }
}

TEST(ConfigParseValue, EnumListsChoicesAndStoresCanonicalSpelling) {
  const KeyDef& level = *FindKey("log.level");
  EXPECT_EQ(std::get<std::string>(*ParseValue(level, "Info")), "info");
  auto value = ParseValue(level, "verbose");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().message(),
            "expected one of trace, debug, info, warn, error, got \"verbose\"");
}

TEST(ConfigParseValue, UrlsNeedAnAllowedScheme) {
  const KeyDef& url = *FindKey("postgres.url");
  EXPECT_TRUE(ParseValue(url, "").has_value());
  EXPECT_TRUE(ParseValue(url, "postgres://db/metrify").has_value());
  EXPECT_TRUE(ParseValue(url, "PostgreSQL://db/metrify").has_value());
  EXPECT_FALSE(ParseValue(url, "postgres://").has_value());
  EXPECT_FALSE(ParseValue(url, "db:5432").has_value());
  EXPECT_TRUE(ParseValue(*FindKey("redis.url"), "rediss://cache:6380").has_value());
  EXPECT_FALSE(ParseValue(*FindKey("redis.url"), "postgres://cache").has_value());
}

TEST(ConfigParseValue, StringsKeepTheirTextAndPathsMustBeNonEmpty) {
  EXPECT_EQ(std::get<std::string>(*ParseValue(*FindKey("kafka.brokers"), " a:1 ")), " a:1 ");
  EXPECT_FALSE(ParseValue(*FindKey("storage.data_dir"), "  ").has_value());
}

}  // namespace
}  // namespace metrify::config
