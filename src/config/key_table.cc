#include "config/key_table.h"

#include <algorithm>
#include <vector>

#include "common/strings.h"

namespace metrify::config {
namespace {

// Landing functions: an entry names its Config field by member pointers and
// these templates assign the parsed value, so no entry needs its own code.
void Assign(const ConfigValue& v, std::string& field) { field = std::get<std::string>(v); }
void Assign(const ConfigValue& v, int& field) { field = static_cast<int>(std::get<int64_t>(v)); }
void Assign(const ConfigValue& v, int64_t& field) { field = std::get<int64_t>(v); }
void Assign(const ConfigValue& v, uint64_t& field) {
  field = static_cast<uint64_t>(std::get<int64_t>(v));
}
void Assign(const ConfigValue& v, double& field) { field = std::get<double>(v); }
void Assign(const ConfigValue& v, bool& field) { field = std::get<bool>(v); }

template <auto kField>
void StoreTop(const ConfigValue& v, Config& config) {
  Assign(v, config.*kField);
}

template <auto kSection, auto kField>
void Store(const ConfigValue& v, Config& config) {
  Assign(v, (config.*kSection).*kField);
}

void StoreListen(const ConfigValue& v, Config& config) {
  const auto& listen = std::get<HostPort>(v);
  config.server.host = listen.host;
  config.server.port = listen.port;
}

constexpr double kKiB = 1024;
constexpr double kMiB = 1024.0 * 1024;
constexpr double kGiB = 1024.0 * 1024 * 1024;

// Order matters: top-level keys first, then each section's keys together
// (`config show` prints a section header whenever the section changes).
// clang-format off
const KeyDef kKeys[] = {
    {.name = "profile", .type = KeyType::kEnum, .defaults = Same("development"),
     .allowed = "development|staging|production",
     .description = "Picks the other keys' defaults; --profile and METRIFY_PROFILE beat the file.",
     .store = &StoreTop<&Config::profile>},
    {.name = "mode", .type = KeyType::kEnum, .defaults = Same("embedded"),
     .allowed = "embedded|scaled",
     .description = "embedded: one process, local files; scaled: PostgreSQL, Kafka and Redis.",
     .store = &StoreTop<&Config::mode>},

    {.name = "server.listen", .type = KeyType::kHostPort,
     .defaults = ByProfile("127.0.0.1:8000", "0.0.0.0:8000", "0.0.0.0:8000"),
     .description = "HOST:PORT the HTTP API listens on; IPv6 as [::1]:8000.",
     .store = &StoreListen},
    {.name = "server.threads", .type = KeyType::kInt, .defaults = Same("0"), .min = 0, .max = 256,
     .description = "HTTP worker threads; 0 = four per core (ingest waits on fsync).",
     .store = &Store<&Config::server, &ServerConfig::threads>},
    {.name = "server.max_body_bytes", .type = KeyType::kSize, .defaults = Same("67108864"),
     .min = kKiB, .max = kGiB,
     .description = "Largest accepted request body; bytes or 512KiB, 64MiB, 1GiB.",
     .store = &Store<&Config::server, &ServerConfig::max_body_bytes>},
    {.name = "server.read_timeout_s", .type = KeyType::kNumber, .defaults = Same("30"), .min = 0,
     .max = 3600, .min_exclusive = true,
     .description = "Seconds to receive a whole request.",
     .store = &Store<&Config::server, &ServerConfig::read_timeout_s>},
    {.name = "server.write_timeout_s", .type = KeyType::kNumber, .defaults = Same("30"), .min = 0,
     .max = 3600, .min_exclusive = true,
     .description = "Seconds to send a whole response.",
     .store = &Store<&Config::server, &ServerConfig::write_timeout_s>},
    {.name = "server.idle_timeout_s", .type = KeyType::kNumber, .defaults = Same("60"), .min = 0,
     .max = 3600, .min_exclusive = true,
     .description = "Seconds a keep-alive connection may stay idle.",
     .store = &Store<&Config::server, &ServerConfig::idle_timeout_s>},
    {.name = "server.shutdown_grace_s", .type = KeyType::kNumber, .defaults = Same("30"),
     .min = 0, .max = 3600, .min_exclusive = true,
     .description = "Seconds in-flight requests get to finish on shutdown.",
     .store = &Store<&Config::server, &ServerConfig::shutdown_grace_s>},

    {.name = "storage.data_dir", .type = KeyType::kPath,
     .defaults = ByProfile("./data", "/var/lib/metrify", "/var/lib/metrify"),
     .description = "Directory for the embedded engine, SQLite file and local lake.",
     .store = &Store<&Config::storage, &StorageConfig::data_dir>},
    {.name = "storage.head_memory_bytes", .type = KeyType::kSize,
     .defaults = ByProfile("268435456", "268435456", "536870912"), .min = kMiB, .max = 64 * kGiB,
     .description = "Memory for readings not yet in segment files; the oldest day is flushed "
                    "above it, and ingest answers 503 at twice it.",
     .store = &Store<&Config::storage, &StorageConfig::head_memory_bytes>},
    {.name = "storage.retention_days", .type = KeyType::kInt, .defaults = Same("0"), .min = 0,
     .max = 36500,
     .description = "Days of readings, grid status and observations kept (UTC days back from "
                    "today); older days are deleted whole and refused at ingest. 0 keeps all.",
     .store = &Store<&Config::storage, &StorageConfig::retention_days>},
    {.name = "ingest.auto_register", .type = KeyType::kBool, .defaults = Same("false"),
     .description = "Register unknown meters and grid operators on first data (id only, "
                    "defaults elsewhere) instead of rejecting their items. Weather stations "
                    "need coordinates and are never registered this way.",
     .store = &Store<&Config::ingest, &IngestConfig::auto_register>},
    {.name = "vee.enabled", .type = KeyType::kBool, .defaults = Same("true"),
     .description = "Validate and estimate readings as they arrive (docs/vee.md). Off, the "
                    "validated view is the raw data.",
     .store = &Store<&Config::vee, &VeeConfig::enabled>},
    {.name = "vee.rules_file", .type = KeyType::kString, .defaults = Same(""),
     .description = "A VEE rules file (YAML) layered over the shipped defaults "
                    "(config/vee-rules.yaml); empty: the defaults only.",
     .store = &Store<&Config::vee, &VeeConfig::rules_file>},
    {.name = "vee.settle_ms", .type = KeyType::kInt, .defaults = Same("2000"), .min = 0,
     .max = 600000,
     .description = "How long a reading must have arrived before a gap ahead of it is "
                    "estimated for being overdue by the clock (docs/vee.md \"Pipeline\"): "
                    "readings sent together over several connections arrive out of order, and "
                    "in a backfill of old data every gap is overdue at once. 0: no wait.",
     .store = &Store<&Config::vee, &VeeConfig::settle_ms>},
    {.name = "alerts.enabled", .type = KeyType::kBool, .defaults = Same("true"),
     .description = "Detect anomalies as data arrives and keep alerts (docs/alerts.md).",
     .store = &Store<&Config::alerts, &AlertsConfig::enabled>},
    {.name = "alerts.rules_file", .type = KeyType::kString, .defaults = Same(""),
     .description = "A detection rules file (YAML) layered over the shipped defaults "
                    "(config/alert-rules.yaml); empty: the defaults only.",
     .store = &Store<&Config::alerts, &AlertsConfig::rules_file>},
    {.name = "alerts.webhook_urls", .type = KeyType::kString, .defaults = Same(""),
     .description = "Comma-separated http:// URLs that receive each alert as JSON when it "
                    "opens, escalates, is acknowledged or resolved; empty: none.",
     .store = &Store<&Config::alerts, &AlertsConfig::webhook_urls>},
    {.name = "alerts.webhook_secret", .type = KeyType::kString, .defaults = Same(""),
     .secrecy = Secrecy::kSecret,
     .description = "Key of the X-Metrify-Signature HMAC-SHA256 header of webhooks; prefer "
                    "the *_FILE variable. Empty: requests are not signed.",
     .store = &Store<&Config::alerts, &AlertsConfig::webhook_secret>},
    {.name = "alerts.sweep_seconds", .type = KeyType::kInt, .defaults = Same("30"), .min = 1,
     .max = 3600,
     .description = "How often silent meters, grid operators and weather stations are looked "
                    "for.",
     .store = &Store<&Config::alerts, &AlertsConfig::sweep_seconds>},

    {.name = "log.level", .type = KeyType::kEnum, .defaults = ByProfile("debug", "info", "info"),
     .allowed = "trace|debug|info|warn|error",
     .description = "Least severe level written.",
     .store = &Store<&Config::log, &LogConfig::level>},
    {.name = "log.format", .type = KeyType::kEnum, .defaults = Same("json"),
     .allowed = "json|text",
     .description = "json: one object per line; text: for humans at a terminal.",
     .store = &Store<&Config::log, &LogConfig::format>},

    {.name = "postgres.url", .type = KeyType::kUrl, .defaults = Same(""),
     .allowed = "postgres|postgresql", .secrecy = Secrecy::kUrlPassword,
     .description = "PostgreSQL for scaled mode, postgres://user@host:5432/db.",
     .store = &Store<&Config::postgres, &PostgresConfig::url>},
    {.name = "postgres.read_url", .type = KeyType::kUrl, .defaults = Same(""),
     .allowed = "postgres|postgresql", .secrecy = Secrecy::kUrlPassword,
     .description = "Read replica for queries; empty = postgres.url.",
     .store = &Store<&Config::postgres, &PostgresConfig::read_url>},
    {.name = "postgres.password", .type = KeyType::kString, .defaults = Same(""),
     .secrecy = Secrecy::kSecret,
     .description = "Password for URLs written without one; prefer the *_FILE variable.",
     .store = &Store<&Config::postgres, &PostgresConfig::password>},

    {.name = "redis.url", .type = KeyType::kUrl, .defaults = Same(""),
     .allowed = "redis|rediss|unix", .secrecy = Secrecy::kUrlPassword,
     .description = "Redis cache for scaled mode, redis://host:6379/0.",
     .store = &Store<&Config::redis, &RedisConfig::url>},

    {.name = "kafka.brokers", .type = KeyType::kString, .defaults = Same(""),
     .description = "Kafka bootstrap servers for scaled mode, host1:9092,host2:9092.",
     .store = &Store<&Config::kafka, &KafkaConfig::brokers>},
    {.name = "kafka.delivery_timeout_s", .type = KeyType::kNumber, .defaults = Same("10"),
     .min = 0, .max = 3600, .min_exclusive = true,
     .description = "Seconds ingest waits for the brokers to acknowledge a batch before 503.",
     .store = &Store<&Config::kafka, &KafkaConfig::delivery_timeout_s>},

    {.name = "ratelimit.requests", .type = KeyType::kInt, .defaults = Same("0"), .min = 0,
     .max = 999999999,
     .description = "Requests per client and window before 429 (health and metrics exempt); "
                    "shared by all replicas through redis.url in scaled mode. 0: no limit.",
     .store = &Store<&Config::ratelimit, &RateLimitConfig::requests>},
    {.name = "ratelimit.window_s", .type = KeyType::kNumber, .defaults = Same("60"), .min = 0.001,
     .max = 86400,
     .description = "Length of the rate limit's fixed windows, in seconds.",
     .store = &Store<&Config::ratelimit, &RateLimitConfig::window_s>},
    {.name = "ratelimit.client_header", .type = KeyType::kString, .defaults = Same(""),
     .description = "Header naming the client behind a trusted proxy, e.g. X-Forwarded-For "
                    "(its rightmost entry counts); empty: the peer address.",
     .store = &Store<&Config::ratelimit, &RateLimitConfig::client_header>},

    {.name = "cache.analytics_ttl_s", .type = KeyType::kNumber, .defaults = Same("30"), .min = 0,
     .max = 86400,
     .description = "Scaled mode with redis.url: seconds an analytics answer may be reused "
                    "(new data retires it sooner). 0: not cached.",
     .store = &Store<&Config::cache, &CacheConfig::analytics_ttl_s>},
};
// clang-format on

std::string_view Leaf(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

}  // namespace

std::string_view ProfileName(Profile profile) {
  switch (profile) {
    case Profile::kDevelopment:
      return "development";
    case Profile::kStaging:
      return "staging";
    case Profile::kProduction:
      return "production";
  }
  return "development";
}

std::optional<Profile> ProfileFromName(std::string_view name) {
  for (Profile p : {Profile::kDevelopment, Profile::kStaging, Profile::kProduction}) {
    if (name == ProfileName(p)) return p;
  }
  return std::nullopt;
}

std::string_view ProfileDefaults::For(Profile profile) const {
  switch (profile) {
    case Profile::kDevelopment:
      return development;
    case Profile::kStaging:
      return staging;
    case Profile::kProduction:
      return production;
  }
  return development;
}

std::string_view KeyDef::section() const {
  size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}

std::string_view KeyDef::leaf() const { return Leaf(name); }

std::span<const KeyDef> Keys() { return kKeys; }

const KeyDef* FindKey(std::string_view name) {
  for (const KeyDef& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool IsSection(std::string_view name) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [&](const KeyDef& key) { return !name.empty() && key.section() == name; });
}

std::string EnvVarName(const KeyDef& key) {
  std::string name = "METRIFY_" + ToUpper(key.name);
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::string SuggestKey(std::string_view name) {
  // A small typo is the usual mistake; a key put in the wrong section is
  // the other, caught by its leaf name.
  std::vector<std::string_view> names;
  for (const KeyDef& key : kKeys) names.push_back(key.name);
  std::string_view closest = Closest(name, names);
  if (!closest.empty()) return std::string(closest);
  for (const KeyDef& key : kKeys) {
    if (key.leaf() == Leaf(name)) return std::string(key.name);
  }
  return "";
}

}  // namespace metrify::config
