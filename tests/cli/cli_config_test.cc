// `metrify version` and `metrify config show`: the effective configuration
// with the source of every value, as YAML or JSON, secrets never shown, and
// bad values refused with exit 2 naming the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "support/json_doc.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CliVersionTest, VersionPrintsTheVersion) {
  ProgramResult r = RunCli({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "metrify " METRIFY_VERSION "\n");
}

TEST(CliVersionTest, VersionJsonIsAnObjectWithTheVersion) {
  ProgramResult r = RunCli({"version", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  JsonDoc doc(r.out);
  ASSERT_TRUE(doc.ok()) << r.out;
  EXPECT_EQ(doc.String("/version"), METRIFY_VERSION);
  EXPECT_FALSE(doc.String("/compiler").empty());
}

TEST(CliVersionTest, VersionFlagPrintsTheVersion) {
  ProgramResult r = RunCli({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(METRIFY_VERSION));
}

TEST(CliConfigShowTest, YamlHasEverySectionWithSources) {
  ProgramResult r = RunCli({"config", "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (std::string_view line : {"profile: development  # default", "server:",
                                "  listen: \"127.0.0.1:8000\"  # profile \"development\"",
                                "  threads: 0  # default", "storage:", "log:", "postgres:"}) {
    EXPECT_THAT(r.out, HasSubstr(line));
  }
}

TEST(CliConfigShowTest, YamlParsesAndShowsEnvironmentOverrides) {
  ProgramResult r = RunCli({"config", "show"}, {{"METRIFY_SERVER_THREADS", "4"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("threads: 4  # METRIFY_SERVER_THREADS"));
  YAML::Node yaml = YAML::Load(r.out);
  EXPECT_EQ(yaml["server"]["threads"].as<int>(), 4);
  EXPECT_EQ(yaml["server"]["listen"].as<std::string>(), "127.0.0.1:8000");
}

TEST(CliConfigShowTest, ProfileFlagChangesDefaultsAndIsNamedAsSource) {
  ProgramResult r = RunCli({"config", "show", "--profile", "production"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("profile: production  # command line --profile"));
  EXPECT_THAT(r.out, HasSubstr("listen: \"0.0.0.0:8000\"  # profile \"production\""));
  EXPECT_THAT(r.out, HasSubstr("level: info"));
}

TEST(CliConfigShowTest, ConfigFileValuesNameFileAndLine) {
  TempDir dir;
  std::string path = dir.WriteFile("metrify.yaml", "server:\n  threads: 3\nlog:\n  level: warn\n");
  ProgramResult r = RunCli({"config", "show", "--json", "--config", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc doc(r.out);
  EXPECT_EQ(doc.Int("/server.threads/value"), 3);
  EXPECT_EQ(doc.String("/server.threads/source"), path + " line 2");
  EXPECT_EQ(doc.String("/log.level/value"), "warn");
}

TEST(CliConfigShowTest, JsonHasValueAndSourceOfEveryKey) {
  ProgramResult r =
      RunCli({"config", "show", "--json"}, {{"METRIFY_SERVER_MAX_BODY_BYTES", "2MiB"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc doc(r.out);
  ASSERT_TRUE(doc.ok()) << r.out;
  EXPECT_EQ(doc.Int("/server.max_body_bytes/value"), 2 << 20);
  EXPECT_EQ(doc.String("/server.max_body_bytes/source"), "METRIFY_SERVER_MAX_BODY_BYTES");
  EXPECT_EQ(doc.String("/server.listen/value"), "127.0.0.1:8000");
  EXPECT_EQ(doc.String("/mode/source"), "default");
  for (std::string_view key : {"/profile", "/storage.data_dir", "/log.format", "/postgres.url",
                               "/redis.url", "/kafka.brokers"}) {
    EXPECT_TRUE(doc.Has(std::string(key) + "/value")) << key;
    EXPECT_TRUE(doc.Has(std::string(key) + "/source")) << key;
  }
}

TEST(CliConfigShowTest, PostgresPasswordNeverAppears) {
  EnvVars env = {{"METRIFY_POSTGRES_URL", "postgres://u:s3cretpw@db/x"},
                 {"METRIFY_POSTGRES_READ_URL", "postgresql://reader:r3adpw@replica:5432/x"},
                 {"METRIFY_POSTGRES_PASSWORD", "plainS3cret"},
                 {"METRIFY_REDIS_URL", "redis://:red1spw@cache:6379/0"}};
  for (bool json : {false, true}) {
    std::vector<std::string> args = {"config", "show"};
    if (json) args.push_back("--json");
    ProgramResult r = RunCli(args, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (std::string_view secret : {"s3cretpw", "r3adpw", "plainS3cret", "red1spw"}) {
      EXPECT_THAT(r.out + r.err, Not(HasSubstr(secret))) << (json ? "json" : "yaml");
    }
    EXPECT_THAT(r.out, HasSubstr("postgres://u:***@db/x")) << (json ? "json" : "yaml");
    EXPECT_THAT(r.out, HasSubstr("METRIFY_POSTGRES_URL"));
  }
}

TEST(CliConfigShowTest, SecretFromFileIsRedactedAndItsSourceNamed) {
  TempDir dir;
  std::string path = dir.WriteFile("pg_password", "fil3Secret\n");
  ProgramResult r =
      RunCli({"config", "show", "--json"}, {{"METRIFY_POSTGRES_PASSWORD_FILE", path}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("fil3Secret")));
  JsonDoc doc(r.out);
  EXPECT_THAT(doc.String("/postgres.password/source"), HasSubstr("METRIFY_POSTGRES_PASSWORD_FILE"));
  EXPECT_THAT(doc.String("/postgres.password/value"), Not(::testing::IsEmpty()));
}

TEST(CliConfigShowTest, BadValueExits2NamingTheKeyAndVariable) {
  ProgramResult r = RunCli({"config", "show"}, {{"METRIFY_SERVER_THREADS", "many"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("server.threads"));
  EXPECT_THAT(r.err, HasSubstr("METRIFY_SERVER_THREADS"));
  EXPECT_THAT(r.err, HasSubstr("many"));
  EXPECT_EQ(r.out, "");
}

TEST(CliConfigShowTest, EveryBadValueIsReportedAtOnce) {
  ProgramResult r = RunCli({"config", "show"},
                           {{"METRIFY_SERVER_THREADS", "many"}, {"METRIFY_LOG_LEVEL", "loud"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("server.threads"));
  EXPECT_THAT(r.err, HasSubstr("log.level"));
}

TEST(CliConfigShowTest, MisspeltVariableExits2WithASuggestion) {
  ProgramResult r = RunCli({"config", "show"}, {{"METRIFY_SERVER_LISTNE", "127.0.0.1:1"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("METRIFY_SERVER_LISTNE"));
  EXPECT_THAT(r.err, HasSubstr("METRIFY_SERVER_LISTEN"));
}

TEST(CliConfigShowTest, BadSecretUrlIsRefusedWithoutEchoingIt) {
  ProgramResult r =
      RunCli({"config", "show"}, {{"METRIFY_POSTGRES_URL", "mysql://u:s3cretpw@db/x"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("postgres.url"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("s3cretpw")));
}

}  // namespace
}  // namespace metrify::test
