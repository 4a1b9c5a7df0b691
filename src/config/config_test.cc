#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "config/key_table.h"

namespace metrify::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A file under the test temp dir, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(std::string_view text, std::string_view name = "metrify.yaml") {
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("config_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
             std::string(name));
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

Result<LoadedConfig> LoadFile(const TempFile& file, std::map<std::string, std::string> env = {}) {
  return LoadConfig({.file = file.path(), .env = std::move(env)});
}

std::string ErrorOf(const Result<LoadedConfig>& result) {
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? "" : result.error().message();
}

std::string SourceOf(const LoadedConfig& loaded, std::string_view key) {
  const ConfigEntry* entry = loaded.Find(key);
  EXPECT_NE(entry, nullptr) << key;
  return entry == nullptr ? "" : entry->source.ToString();
}

TEST(ConfigDefaults, DevelopmentIsTheDefaultProfile) {
  auto loaded = LoadConfig({});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  const Config& c = loaded->config;
  EXPECT_EQ(c.profile, "development");
  EXPECT_EQ(c.mode, "embedded");
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8000);
  EXPECT_EQ(c.server.threads, 0);
  EXPECT_EQ(c.server.max_body_bytes, 67108864u);
  EXPECT_EQ(c.server.read_timeout_s, 30);
  EXPECT_EQ(c.server.write_timeout_s, 30);
  EXPECT_EQ(c.server.idle_timeout_s, 60);
  EXPECT_EQ(c.server.shutdown_grace_s, 30);
  EXPECT_EQ(c.storage.data_dir, "./data");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.postgres.url, "");
  EXPECT_EQ(c.postgres.password, "");
  EXPECT_EQ(c.redis.url, "");
  EXPECT_EQ(c.kafka.brokers, "");
  EXPECT_EQ(SourceOf(*loaded, "profile"), "default");
  EXPECT_EQ(SourceOf(*loaded, "server.threads"), "default");
  EXPECT_EQ(SourceOf(*loaded, "server.listen"), "profile \"development\"");
}

TEST(ConfigDefaults, ProductionAndStagingListenEverywhereAndLogInfo) {
  for (std::string profile : {"staging", "production"}) {
    auto loaded = LoadConfig({.profile = profile});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
    const Config& c = loaded->config;
    EXPECT_EQ(c.profile, profile);
    EXPECT_EQ(c.server.host, "0.0.0.0");
    EXPECT_EQ(c.server.port, 8000);
    EXPECT_EQ(c.storage.data_dir, "/var/lib/metrify");
    EXPECT_EQ(c.log.level, "info");
    EXPECT_EQ(c.log.format, "json");
    EXPECT_EQ(SourceOf(*loaded, "storage.data_dir"), "profile \"" + profile + "\"");
  }
}

TEST(ConfigDefaults, EveryProfileHasAnEntryPerKey) {
  for (std::string profile : {"development", "staging", "production"}) {
    auto loaded = LoadConfig({.profile = profile});
    ASSERT_TRUE(loaded.has_value()) << profile << ": " << loaded.error().ToString();
    EXPECT_EQ(loaded->entries.size(), Keys().size());
    for (const KeyDef& key : Keys()) EXPECT_NE(loaded->Find(key.name), nullptr) << key.name;
  }
}

TEST(ConfigProfile, ArgumentBeatsEnvBeatsFile) {
  TempFile file("profile: staging\n");
  EXPECT_EQ(LoadFile(file)->config.profile, "staging");
  EXPECT_EQ(SourceOf(*LoadFile(file), "profile"), file.path() + " line 1");

  auto env = LoadFile(file, {{"METRIFY_PROFILE", "production"}});
  EXPECT_EQ(env->config.profile, "production");
  EXPECT_EQ(SourceOf(*env, "profile"), "METRIFY_PROFILE");

  auto arg = LoadConfig(
      {.file = file.path(), .env = {{"METRIFY_PROFILE", "production"}}, .profile = "development"});
  EXPECT_EQ(arg->config.profile, "development");
  EXPECT_EQ(arg->config.server.host, "127.0.0.1");
  EXPECT_EQ(SourceOf(*arg, "profile"), "command line --profile");
}

TEST(ConfigProfile, ProfileFromFileSelectsDefaults) {
  TempFile file("profile: production\n");
  auto loaded = LoadFile(file);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.log.level, "info");
  EXPECT_EQ(SourceOf(*loaded, "log.level"), "profile \"production\"");
}

TEST(ConfigPrecedence, FileThenEnvThenOverride) {
  TempFile file("server:\n  threads: 4\n  listen: 10.0.0.1:9000\nlog:\n  level: warn\n");
  auto loaded = LoadConfig({
      .file = file.path(),
      .env = {{"METRIFY_SERVER_THREADS", "8"}, {"METRIFY_SERVER_LISTEN", "10.0.0.2:9001"}},
      .overrides = {{"server.listen", "10.0.0.3:9002"}},
  });
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.log.level, "warn");
  EXPECT_EQ(SourceOf(*loaded, "log.level"), file.path() + " line 5");
  EXPECT_EQ(loaded->config.server.threads, 8);
  EXPECT_EQ(SourceOf(*loaded, "server.threads"), "METRIFY_SERVER_THREADS");
  EXPECT_EQ(loaded->config.server.host, "10.0.0.3");
  EXPECT_EQ(loaded->config.server.port, 9002);
  EXPECT_EQ(SourceOf(*loaded, "server.listen"), "command line");
}

TEST(ConfigPrecedence, FileValueBeatsProfileDefault) {
  TempFile file("profile: production\nstorage:\n  data_dir: /srv/metrify\n");
  auto loaded = LoadFile(file);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.storage.data_dir, "/srv/metrify");
}

TEST(ConfigPrecedence, ConfigPathComesFromMetrifyConfigWhenNotGiven) {
  TempFile file("mode: scaled\n");
  auto loaded = LoadConfig({.env = {{"METRIFY_CONFIG", file.path()}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.mode, "scaled");
}

TEST(ConfigPrecedence, ScaledModeKeysComeFromEnv) {
  auto loaded = LoadConfig({.env = {
                                {"METRIFY_MODE", "scaled"},
                                {"METRIFY_POSTGRES_URL", "postgres://db:5432/metrify"},
                                {"METRIFY_POSTGRES_READ_URL", "postgresql://replica/metrify"},
                                {"METRIFY_KAFKA_BROKERS", "k1:9092,k2:9092"},
                                {"METRIFY_REDIS_URL", "redis://cache:6379/0"},
                            }});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  const Config& c = loaded->config;
  EXPECT_EQ(c.mode, "scaled");
  EXPECT_EQ(c.postgres.url, "postgres://db:5432/metrify");
  EXPECT_EQ(c.postgres.read_url, "postgresql://replica/metrify");
  EXPECT_EQ(c.kafka.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(c.redis.url, "redis://cache:6379/0");
}

TEST(ConfigValues, SizeSuffixesAreAccepted) {
  for (auto [text, bytes] : {std::pair<std::string, uint64_t>{"512KiB", 524288},
                             {"64MiB", 67108864},
                             {"1GiB", 1073741824},
                             {"4096", 4096}}) {
    auto loaded = LoadConfig({.overrides = {{"server.max_body_bytes", text}}});
    ASSERT_TRUE(loaded.has_value()) << text << ": " << loaded.error().ToString();
    EXPECT_EQ(loaded->config.server.max_body_bytes, bytes) << text;
  }
}

TEST(ConfigValues, Ipv6ListenNeedsBrackets) {
  auto loaded = LoadConfig({.env = {{"METRIFY_SERVER_LISTEN", "[::1]:8080"}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.server.host, "::1");
  EXPECT_EQ(loaded->config.server.port, 8080);
  EXPECT_THAT(ErrorOf(LoadConfig({.env = {{"METRIFY_SERVER_LISTEN", "::1:8080"}}})),
              HasSubstr("server.listen: expected HOST:PORT"));
}

TEST(ConfigValues, EnumsIgnoreCase) {
  auto loaded = LoadConfig({.env = {{"METRIFY_LOG_LEVEL", "WARN"}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.log.level, "warn");
}

TEST(ConfigErrors, BadEnvValueNamesKeyAndVariable) {
  EXPECT_EQ(ErrorOf(LoadConfig({.env = {{"METRIFY_SERVER_THREADS", "many"}}})),
            "server.threads: expected an integer from 0 to 256, got \"many\" "
            "(from METRIFY_SERVER_THREADS)");
}

TEST(ConfigErrors, BadFileValueNamesKeyFileAndLine) {
  TempFile file("# comment\nserver:\n  listen: 127.0.0.1:8000\n  threads: 999\n");
  EXPECT_EQ(ErrorOf(LoadFile(file)),
            "server.threads: expected an integer from 0 to 256, got "
            "\"999\" (from " +
                file.path() + " line 4)");
}

TEST(ConfigErrors, BadOverrideNamesCommandLine) {
  EXPECT_EQ(ErrorOf(LoadConfig({.overrides = {{"server.listen", "localhost:99999"}}})),
            "server.listen: expected HOST:PORT with a port from 0 to 65535 (IPv6 as [::1]:8000), "
            "got \"localhost:99999\" (from command line)");
}

// One bad value per typed key; each message must name the key and the source.
TEST(ConfigErrors, EveryTypedKeyRejectsBadValuesByName) {
  const std::map<std::string, std::string> bad = {
      {"profile", "prod"},
      {"mode", "distributed"},
      {"server.listen", ":8000"},
      {"server.threads", "-1"},
      {"server.max_body_bytes", "64MB"},
      {"server.read_timeout_s", "0"},
      {"server.write_timeout_s", "3601"},
      {"server.idle_timeout_s", "soon"},
      {"server.shutdown_grace_s", "-5"},
      {"storage.data_dir", ""},
      {"log.level", "verbose"},
      {"log.format", "xml"},
      {"postgres.url", "mysql://db/metrify"},
      {"postgres.read_url", "db:5432"},
      {"redis.url", "http://cache"},
  };
  for (const auto& [key, text] : bad) {
    const std::string variable = EnvVarName(*FindKey(key));
    std::string message = ErrorOf(LoadConfig({.env = {{variable, text}}}));
    EXPECT_THAT(message, HasSubstr(key + ": expected ")) << key;
    EXPECT_THAT(message, HasSubstr("(from " + variable + ")")) << key;
  }
}

TEST(ConfigErrors, TimeoutsMustBePositive) {
  EXPECT_THAT(ErrorOf(LoadConfig({.overrides = {{"server.read_timeout_s", "0"}}})),
              HasSubstr("expected a number greater than 0 and at most 3600, got \"0\""));
  auto half = LoadConfig({.overrides = {{"server.read_timeout_s", "0.5"}}});
  ASSERT_TRUE(half.has_value()) << half.error().ToString();
  EXPECT_EQ(half->config.server.read_timeout_s, 0.5);
}

TEST(ConfigErrors, AllProblemsAreReportedTogether) {
  std::string message = ErrorOf(LoadConfig({.env = {{"METRIFY_SERVER_THREADS", "x"},
                                                    {"METRIFY_LOG_LEVEL", "loud"},
                                                    {"METRIFY_NOPE", "1"}}}));
  EXPECT_THAT(message, HasSubstr("server.threads:"));
  EXPECT_THAT(message, HasSubstr("log.level:"));
  EXPECT_THAT(message, HasSubstr("METRIFY_NOPE"));
}

TEST(ConfigErrors, OverriddenBadFileValueIsStillReported) {
  TempFile file("server:\n  threads: lots\n");
  EXPECT_THAT(ErrorOf(LoadFile(file, {{"METRIFY_SERVER_THREADS", "2"}})),
              HasSubstr("server.threads: expected an integer from 0 to 256, got \"lots\" (from " +
                        file.path() + " line 2)"));
}

TEST(ConfigUnknownKeys, UnknownFileKeyIsNamedWithSuggestion) {
  TempFile file("server:\n  threads: 2\n  lisen: 0.0.0.0:80\n");
  EXPECT_EQ(ErrorOf(LoadFile(file)), "unknown key \"server.lisen\" in " + file.path() +
                                         " (line 3); did you mean \"server.listen\"?");
}

TEST(ConfigUnknownKeys, KeyInWrongSectionSuggestsTheRightOne) {
  TempFile file("server:\n  data_dir: /tmp\n");
  EXPECT_THAT(ErrorOf(LoadFile(file)), HasSubstr("did you mean \"storage.data_dir\"?"));
}

TEST(ConfigUnknownKeys, UnknownSectionIsRejected) {
  TempFile file("database:\n  url: x\n");
  EXPECT_THAT(ErrorOf(LoadFile(file)), HasSubstr("unknown key \"database\" in " + file.path()));
}

TEST(ConfigUnknownKeys, UnknownEnvVariableIsNamedWithSuggestion) {
  EXPECT_EQ(ErrorOf(LoadConfig({.env = {{"METRIFY_SERVER_LISEN", "0.0.0.0:80"}}})),
            "unknown environment variable METRIFY_SERVER_LISEN; did you mean "
            "METRIFY_SERVER_LISTEN?");
}

TEST(ConfigUnknownKeys, NonConfigVariablesAreAllowed) {
  TempFile secret("hunter2\n", "secret");
  auto loaded = LoadConfig({.env = {{"METRIFY_CONFIG", ""},
                                    {"METRIFY_POSTGRES_PASSWORD_FILE", secret.path()},
                                    {"PATH", "/usr/bin"}}});
  EXPECT_TRUE(loaded.has_value()) << loaded.error().ToString();
}

TEST(ConfigUnknownKeys, FileVariantOfPublicKeyIsRejected) {
  TempFile value("0.0.0.0:80", "listen");
  EXPECT_THAT(ErrorOf(LoadConfig({.env = {{"METRIFY_SERVER_LISTEN_FILE", value.path()}}})),
              HasSubstr("METRIFY_SERVER_LISTEN_FILE: only secret keys can be read from a file"));
}

TEST(ConfigUnknownKeys, UnknownOverrideIsRejected) {
  EXPECT_EQ(ErrorOf(LoadConfig({.overrides = {{"server.port", "80"}}})),
            "unknown key \"server.port\" (from command line)");
  EXPECT_EQ(ErrorOf(LoadConfig({.overrides = {{"log.levl", "info"}}})),
            "unknown key \"log.levl\" (from command line); did you mean \"log.level\"?");
}

TEST(ConfigShape, SectionGivenAsScalarIsRejected) {
  TempFile file("server: 0.0.0.0:8000\n");
  EXPECT_EQ(ErrorOf(LoadFile(file)),
            "server: expected a section (a map of keys), got a single value (from " + file.path() +
                " line 1)");
}

TEST(ConfigShape, KeyGivenAsMapOrListIsRejected) {
  TempFile map_file("log:\n  level:\n    name: info\n");
  EXPECT_THAT(ErrorOf(LoadFile(map_file)),
              HasSubstr("log.level: expected a single value, got a map (from " + map_file.path() +
                        " line 2)"));
  TempFile list_file("mode: [embedded]\n");
  EXPECT_THAT(ErrorOf(LoadFile(list_file)), HasSubstr("mode: expected a single value, got a list"));
}

TEST(ConfigShape, DuplicateKeyIsRejected) {
  TempFile file("log:\n  level: info\n  level: warn\n");
  EXPECT_THAT(ErrorOf(LoadFile(file)),
              HasSubstr("log.level: given more than once (from " + file.path() + " line 3)"));
}

TEST(ConfigShape, EmptyFileAndEmptySectionsAreFine) {
  for (std::string text : {"", "# nothing here\n", "server:\nlog:\n"}) {
    TempFile file(text);
    auto loaded = LoadFile(file);
    ASSERT_TRUE(loaded.has_value()) << text << ": " << loaded.error().ToString();
    EXPECT_EQ(loaded->config.server.port, 8000);
  }
}

TEST(ConfigShape, TopLevelListIsRejected) {
  TempFile file("- a\n- b\n");
  EXPECT_THAT(ErrorOf(LoadFile(file)), HasSubstr("expected a map of sections and keys"));
}

TEST(ConfigFile, SyntaxErrorNamesFileAndLine) {
  TempFile file("server:\n  listen: [1\nlog:\n");
  auto loaded = LoadFile(file);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.error().message(), HasSubstr(file.path() + " line "));
  EXPECT_THAT(loaded.error().message(), HasSubstr("invalid YAML"));
}

TEST(ConfigFile, MissingFileIsIoErrorNamingPath) {
  auto loaded = LoadConfig({.file = "/nonexistent/metrify.yaml"});
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), StatusCode::kIOError);
  EXPECT_THAT(loaded.error().message(), HasSubstr("/nonexistent/metrify.yaml"));
}

TEST(ConfigSecrets, SecretIsReadTrimmedFromFileVariable) {
  TempFile secret("  s3cret-pw\n", "pg_password");
  auto loaded = LoadConfig({.env = {{"METRIFY_POSTGRES_PASSWORD_FILE", secret.path()}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.postgres.password, "s3cret-pw");
  EXPECT_EQ(SourceOf(*loaded, "postgres.password"),
            "file " + secret.path() + " named by METRIFY_POSTGRES_PASSWORD_FILE");
}

TEST(ConfigSecrets, UrlCanComeFromFileVariable) {
  TempFile secret("postgres://u:pw@db/metrify\n", "pg_url");
  auto loaded = LoadConfig({.env = {{"METRIFY_POSTGRES_URL_FILE", secret.path()}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->config.postgres.url, "postgres://u:pw@db/metrify");
}

TEST(ConfigSecrets, MissingSecretFileIsIoErrorNamingVariableAndPath) {
  auto loaded = LoadConfig({.env = {{"METRIFY_POSTGRES_PASSWORD_FILE", "/nonexistent/pw"}}});
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), StatusCode::kIOError);
  EXPECT_THAT(loaded.error().message(), HasSubstr("METRIFY_POSTGRES_PASSWORD_FILE"));
  EXPECT_THAT(loaded.error().message(), HasSubstr("/nonexistent/pw"));
}

TEST(ConfigSecrets, SecretGivenTwiceIsRejected) {
  TempFile secret("a", "pw");
  EXPECT_THAT(ErrorOf(LoadConfig({.env = {{"METRIFY_POSTGRES_PASSWORD", "b"},
                                          {"METRIFY_POSTGRES_PASSWORD_FILE", secret.path()}}})),
              HasSubstr("postgres.password: both METRIFY_POSTGRES_PASSWORD and "
                        "METRIFY_POSTGRES_PASSWORD_FILE are set"));
}

TEST(ConfigSecrets, BadUrlErrorDoesNotEchoPassword) {
  std::string message =
      ErrorOf(LoadConfig({.env = {{"METRIFY_POSTGRES_URL", "mysql://root:hunter2@db/x"}}}));
  EXPECT_THAT(message, HasSubstr("postgres.url: expected empty or a URL starting with"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST(ConfigEnvironment, ProcessEnvironmentKeepsOnlyMetrifyVariables) {
  ASSERT_EQ(setenv("METRIFY_CONFIG_TEST_PROBE", "a=b", 1), 0);
  std::map<std::string, std::string> env = ProcessEnvironment();
  unsetenv("METRIFY_CONFIG_TEST_PROBE");
  EXPECT_EQ(env["METRIFY_CONFIG_TEST_PROBE"], "a=b");
  for (const auto& [name, value] : env) EXPECT_TRUE(name.starts_with("METRIFY_")) << name;
}

TEST(ConfigRender, YamlGroupsBySectionAndNamesSources) {
  auto loaded = LoadConfig({.env = {{"METRIFY_SERVER_THREADS", "8"}}});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  std::string yaml = RenderConfigYaml(*loaded);
  EXPECT_THAT(yaml, HasSubstr("profile: development  # default\nmode: embedded  # default\n"));
  EXPECT_THAT(yaml, HasSubstr("\nserver:\n  listen: \"127.0.0.1:8000\"  # profile \"development\"\n"
                              "  threads: 8  # METRIFY_SERVER_THREADS\n"
                              "  max_body_bytes: 67108864  # default\n"));
  EXPECT_THAT(yaml, HasSubstr("\nlog:\n  level: debug  # profile \"development\"\n"));
}

TEST(ConfigRender, JsonHoldsTypedValueAndSource) {
  auto loaded = LoadConfig({.env = {{"METRIFY_SERVER_THREADS", "8"}}, .profile = "staging"});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  std::string json = RenderConfigJson(*loaded);
  EXPECT_THAT(json, HasSubstr(R"("server.threads":{"value":8,"source":"METRIFY_SERVER_THREADS"})"));
  EXPECT_THAT(
      json,
      HasSubstr(R"("server.listen":{"value":"0.0.0.0:8000","source":"profile \"staging\""})"));
  EXPECT_THAT(json, HasSubstr(R"("server.idle_timeout_s":{"value":60,"source":"default"})"));
  EXPECT_THAT(json,
              HasSubstr(R"("profile":{"value":"staging","source":"command line --profile"})"));
}

// Every secret carries the marker; neither rendering may contain it.
TEST(ConfigRender, SecretsNeverAppearInEitherRendering) {
  TempFile file("postgres:\n  password: LEAK-file-pw\n");
  TempFile secret_file("redis://:LEAK-redis@cache:6379/0\n", "redis_url");
  auto loaded = LoadConfig({
      .file = file.path(),
      .env = {{"METRIFY_POSTGRES_PASSWORD", "LEAK-env-pw"},
              {"METRIFY_POSTGRES_URL",
               "postgres://metrify:LEAK-url@db:5432/metrify?sslmode=require&password=LEAK-q"},
              {"METRIFY_REDIS_URL_FILE", secret_file.path()}},
      .overrides = {{"postgres.read_url", "postgresql://ro:LEAK-ro@replica/metrify"}},
  });
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  ASSERT_EQ(loaded->config.postgres.password, "LEAK-env-pw");  // the secret is really loaded
  for (const std::string& out : {RenderConfigYaml(*loaded), RenderConfigJson(*loaded)}) {
    EXPECT_THAT(out, Not(HasSubstr("LEAK"))) << out;
    EXPECT_THAT(out,
                HasSubstr("postgres://metrify:***@db:5432/metrify?sslmode=require&password=***"));
    EXPECT_THAT(out, HasSubstr("postgresql://ro:***@replica/metrify"));
    EXPECT_THAT(out, HasSubstr("redis://:***@cache:6379/0"));
  }
  EXPECT_THAT(RenderConfigYaml(*loaded),
              HasSubstr("  password: \"***\"  # METRIFY_POSTGRES_PASSWORD\n"));
  EXPECT_THAT(RenderConfigJson(*loaded), HasSubstr(R"("postgres.password":{"value":"***")"));
}

TEST(ConfigRender, EmptySecretShowsAsEmpty) {
  auto loaded = LoadConfig({});
  ASSERT_TRUE(loaded.has_value());
  EXPECT_THAT(RenderConfigYaml(*loaded), HasSubstr("  password: \"\"  # default\n"));
}

TEST(ConfigRender, YamlLoadsBackToTheSameValues) {
  auto original =
      LoadConfig({.env = {{"METRIFY_SERVER_LISTEN", "[::1]:9000"},
                          {"METRIFY_SERVER_MAX_BODY_BYTES", "512KiB"},
                          {"METRIFY_SERVER_READ_TIMEOUT_S", "2.5"},
                          {"METRIFY_STORAGE_DATA_DIR", "/data/with \"quotes\" # and hash"},
                          {"METRIFY_KAFKA_BROKERS", "k1:9092,k2:9092"}},
                  .profile = "production"});
  ASSERT_TRUE(original.has_value()) << original.error().ToString();
  TempFile file(RenderConfigYaml(*original));
  auto reloaded = LoadFile(file);
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().ToString();
  for (const ConfigEntry& entry : original->entries) {
    EXPECT_EQ(reloaded->Find(entry.key)->value, entry.value) << entry.key;
  }
}

// Uncomments "  # key: value" lines whose key is a real key.
std::string Uncomment(const std::string& text) {
  static const std::regex kCommentedKey(R"(^(\s*)# ([a-z_]+): (.*)$)");
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    bool is_key = std::regex_match(line, match, kCommentedKey) &&
                  std::any_of(Keys().begin(), Keys().end(),
                              [&](const KeyDef& key) { return key.leaf() == match[2].str(); });
    out += (is_key ? match[1].str() + match[2].str() + ": " + match[3].str() : line) + "\n";
  }
  return out;
}

std::string ExampleText() {
  std::ifstream in(std::string(METRIFY_SOURCE_DIR) + "/config/metrify.example.yaml");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigExample, ExampleFileLoadsAsShipped) {
  auto loaded =
      LoadConfig({.file = std::string(METRIFY_SOURCE_DIR) + "/config/metrify.example.yaml"});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
}

// Keeps the example in step with the key table: uncommented, it must set every
// key, and to the development default.
TEST(ConfigExample, ExampleListsEveryKeyWithItsDefault) {
  std::string text = ExampleText();
  ASSERT_FALSE(text.empty());
  TempFile file(Uncomment(text));
  auto example = LoadFile(file);
  ASSERT_TRUE(example.has_value()) << example.error().ToString();
  auto defaults = LoadConfig({});
  ASSERT_TRUE(defaults.has_value());
  for (const ConfigEntry& entry : example->entries) {
    EXPECT_EQ(entry.source.kind, ValueSource::Kind::kFile) << entry.key << " missing in example";
    EXPECT_EQ(entry.value, defaults->Find(entry.key)->value) << entry.key << " default differs";
  }
}

}  // namespace
}  // namespace metrify::config
