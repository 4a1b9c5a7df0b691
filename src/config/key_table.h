// The key table: the one place that defines each configuration key. Adding a
// key means adding one KeyDef to key_table.cc (and a field to Config); the
// loader, the environment mapping, validation, redaction, `config show` and the
// example-file test all read this table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"

namespace metrify::config {

enum class Profile { kDevelopment = 0, kStaging = 1, kProduction = 2 };

std::string_view ProfileName(Profile profile);
// nullopt for anything but the three canonical lower-case names.
std::optional<Profile> ProfileFromName(std::string_view name);

enum class KeyType {
  kString,    // any text, including empty
  kPath,      // non-empty text
  kEnum,      // one of KeyDef::allowed; case-insensitive, stored lower-case
  kBool,      // true/false, yes/no, on/off, 1/0
  kInt,       // integer in [min, max]
  kNumber,    // decimal number in [min, max] (or (min, max] if min_exclusive)
  kSize,      // byte count in [min, max]: "1048576", "512KiB", "64MiB", "1GiB"
  kHostPort,  // "HOST:PORT" or "[IPv6]:PORT"
  kUrl,       // empty, or "scheme://..." with a scheme from KeyDef::allowed
};

// How a value is shown by `config show` and in error messages.
enum class Secrecy {
  kPublic,       // shown as is
  kSecret,       // shown as "***" unless empty; may come from a *_FILE variable
  kUrlPassword,  // a URL whose password is shown as "***"; may come from *_FILE
};

// Default text per profile. Defaults are parsed like any other input, so a
// test can check that every default is valid in every profile.
struct ProfileDefaults {
  std::string_view development;
  std::string_view staging;
  std::string_view production;
  bool per_profile = false;  // the source is then reported as the profile

  std::string_view For(Profile profile) const;
};

constexpr ProfileDefaults Same(std::string_view value) { return {value, value, value, false}; }
constexpr ProfileDefaults ByProfile(std::string_view development, std::string_view staging,
                                    std::string_view production) {
  return {development, staging, production, true};
}

struct KeyDef {
  std::string_view name;  // dotted "section.key"; top-level keys have no dot
  KeyType type;
  ProfileDefaults defaults;
  std::string_view allowed = {};  // "a|b|c": enum values, or URL schemes
  double min = 0;                 // kInt, kNumber, kSize
  double max = 0;
  bool min_exclusive = false;  // kNumber: the value must be greater than min
  Secrecy secrecy = Secrecy::kPublic;
  std::string_view description;                          // one line, for docs and --help
  void (*store)(const ConfigValue&, Config&) = nullptr;  // lands the value in Config

  bool secret() const { return secrecy != Secrecy::kPublic; }
  // "server" for "server.listen"; empty for top-level keys.
  std::string_view section() const;
  // "listen" for "server.listen".
  std::string_view leaf() const;
};

// All keys, top-level keys first, then grouped by section.
std::span<const KeyDef> Keys();

// nullptr when `name` is not a key.
const KeyDef* FindKey(std::string_view name);

// True when `name` is a section ("server"), i.e. a prefix of some key.
bool IsSection(std::string_view name);

// "METRIFY_SERVER_MAX_BODY_BYTES" for "server.max_body_bytes".
std::string EnvVarName(const KeyDef& key);

// The closest key name to a misspelt `name` ("server.lisen" -> "server.listen",
// "server.data_dir" -> "storage.data_dir"), or empty when nothing is close.
std::string SuggestKey(std::string_view name);

}  // namespace metrify::config
