// Configuration: one YAML file, METRIFY_* environment variables, command-line
// overrides and three profiles, merged into one typed Config.
//
// Precedence for every key, lowest first:
//   profile default < YAML file < environment < command-line overrides.
// The profile itself (development | staging | production) follows the same
// order, with --profile above everything; it then selects the defaults.
//
// Every key is defined once, in key_table.cc: dotted name, type, per-profile
// default, allowed values or range, secrecy and description. The environment
// variable for "server.max_body_bytes" is METRIFY_SERVER_MAX_BODY_BYTES; for
// the top-level "mode" it is METRIFY_MODE. For a secret key,
// METRIFY_<SECTION>_<KEY>_FILE names a file holding the value (the Docker and
// Kubernetes secrets convention).
//
// Loading is pure apart from reading the named files: it never touches the
// process environment itself (callers pass ProcessEnvironment()). All functions
// are thread-safe; results are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace metrify::config {

struct ServerConfig {
  std::string host;  // "127.0.0.1", "0.0.0.0" or an IPv6 address without brackets
  uint16_t port = 0;
  int threads = 0;  // 0 = four per core; the server resolves it
  uint64_t max_body_bytes = 0;
  double read_timeout_s = 0;
  double write_timeout_s = 0;
  double idle_timeout_s = 0;
  double shutdown_grace_s = 0;
};

struct StorageConfig {
  std::string data_dir;
  uint64_t head_memory_bytes = 0;  // the readings engine's head budget
  int retention_days = 0;          // 0 = keep everything
};

struct IngestConfig {
  bool auto_register = false;  // unknown entities: register instead of reject
};

struct VeeConfig {
  bool enabled = true;     // validate and estimate readings as they arrive
  std::string rules_file;  // an operator's rules over the shipped ones; "" = shipped only
  int settle_ms = 2000;    // VeeService::set_settle_ms
};

struct AlertsConfig {
  bool enabled = true;         // run the detectors and keep alerts
  std::string rules_file;      // an operator's detection rules over the shipped ones
  std::string webhook_urls;    // comma-separated http:// receivers; "" = none
  std::string webhook_secret;  // secret: HMAC key of the signature header
  int sweep_seconds = 30;      // how often silent sources are looked for
};

struct LogConfig {
  std::string level;   // trace | debug | info | warn | error
  std::string format;  // json | text
};

// Scaled-mode back ends. Empty strings mean "not configured".
struct PostgresConfig {
  std::string url;       // may carry a password; never log it unredacted
  std::string read_url;  // read replica; empty = use url
  std::string password;  // secret; for URLs written without a password
};

struct RedisConfig {
  std::string url;  // may carry a password
};

// Requests per client and fixed window (docs/api.md, "Rate limits"); in
// scaled mode with redis.url the budget is shared by every replica.
struct RateLimitConfig {
  int64_t requests = 0;       // per client per window; 0 = no limit
  double window_s = 60;       // window length
  std::string client_header;  // names the client (rightmost entry); "" = the peer address
};

// Responses and latest samples cached in Redis in scaled mode (docs/cache.md).
struct CacheConfig {
  double analytics_ttl_s = 30;  // how long an analytics answer may be reused; 0 = not cached
};

struct KafkaConfig {
  std::string brokers;             // comma-separated HOST:PORT list, passed to librdkafka as is
  double delivery_timeout_s = 10;  // a batch not acknowledged by then: ingest answers 503
};

// The effective, validated configuration. Enum-valued fields hold their
// canonical lower-case spelling.
struct Config {
  std::string profile;  // development | staging | production
  std::string mode;     // embedded | scaled
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  VeeConfig vee;
  AlertsConfig alerts;
  LogConfig log;
  PostgresConfig postgres;
  RedisConfig redis;
  KafkaConfig kafka;
  RateLimitConfig ratelimit;
  CacheConfig cache;
};

// Where an effective value came from.
struct ValueSource {
  enum class Kind {
    kDefault,      // the same default in every profile
    kProfile,      // a profile-specific default; detail = profile name
    kFile,         // path = the YAML file, line = 1-based line of the key
    kEnv,          // detail = variable name
    kSecretFile,   // detail = variable name, path = the file it named
    kCommandLine,  // detail = flag, when known ("--profile")
  };
  // Every member has an initializer so designated initializers may leave any
  // out (g++ 12 warns about a plain `std::string detail;`).
  Kind kind = Kind::kDefault;
  std::string detail{};
  std::string path{};
  int line = 0;

  // For messages and `config show`: "default", "profile \"production\"",
  // "/etc/metrify.yaml line 4", "METRIFY_SERVER_THREADS",
  // "file /run/secrets/pg named by METRIFY_POSTGRES_PASSWORD_FILE",
  // "command line".
  std::string ToString() const;
};

// A host and port as written "HOST:PORT" or "[IPv6]:PORT".
struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

// A parsed value of one key; the alternative follows the key's type.
using ConfigValue = std::variant<std::string, int64_t, double, bool, HostPort>;

// One key's effective value and its source. `value` is NOT redacted: use the
// Render* functions, never this field, to display it.
struct ConfigEntry {
  std::string key;  // dotted name, for example "server.listen"
  ConfigValue value;
  ValueSource source;
};

struct LoadedConfig {
  Config config;
  std::vector<ConfigEntry> entries;  // one per key, in key-table order

  // The entry for a dotted key, or nullptr for an unknown key.
  const ConfigEntry* Find(std::string_view key) const;
};

// Members have initializers so designated initializers may leave any out.
struct ConfigSources {
  // YAML file path. nullopt: the path in METRIFY_CONFIG from `env`, if any;
  // otherwise no file (all keys from defaults, env and overrides).
  std::optional<std::string> file{};
  // METRIFY_* variables; normally ProcessEnvironment(). Tests pass their own.
  std::map<std::string, std::string> env{};
  // Dotted key -> text, from command-line flags such as --listen.
  std::map<std::string, std::string> overrides{};
  // From --profile; wins over every other source of the profile.
  std::optional<std::string> profile{};
};

// The process's METRIFY_* environment variables (and only those).
std::map<std::string, std::string> ProcessEnvironment();

// Reads, merges and validates all sources.
// Returns the configuration with one entry per key.
// Errors:
//   IOError naming the path when the YAML file or a *_FILE secret cannot be
//     read;
//   InvalidArgument for YAML syntax errors (with file and line), unknown keys
//     or METRIFY_* variables, wrong shapes and bad values. The message lists
//     every problem found, one per line, each naming the key and its source,
//     e.g. `server.threads: expected an integer from 0 to 256, got "many"
//     (from METRIFY_SERVER_THREADS)`. Secret values never appear in messages.
Result<LoadedConfig> LoadConfig(const ConfigSources& sources);

// The effective configuration as YAML, grouped by section, each key followed
// by a comment naming its source. Secrets show as "***", passwords inside
// URLs as "user:***@". Without secrets the output loads back as a config file.
std::string RenderConfigYaml(const LoadedConfig& loaded);

// The same content as one JSON object keyed by dotted name:
// {"server.threads": {"value": 0, "source": "default"}, ...}. Redacted alike.
std::string RenderConfigJson(const LoadedConfig& loaded);

}  // namespace metrify::config
