// Turns the text of one configuration value into a typed ConfigValue,
// following the key's type and limits. The same code parses defaults, YAML
// scalars, environment variables and command-line overrides, so every source
// accepts exactly the same spellings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "config/key_table.h"

namespace metrify::config {

// Parses `text` for `key`. Surrounding whitespace is ignored except for
// string-typed keys, whose text is taken as is.
// Returns InvalidArgument whose message says what was expected and what was
// given, e.g. `expected an integer from 0 to 256, got "many"`; the caller adds
// the key name and the source. The given text is shown redacted for secret
// keys, so the message is always safe to log.
Result<ConfigValue> ParseValue(const KeyDef& key, std::string_view text);

// The building blocks, exposed for tests. Each returns nullopt on bad input.
std::optional<bool> ParseBool(std::string_view text);
// "1048576", "512KiB", "64 MiB", "1GiB" (suffixes case-insensitive).
std::optional<uint64_t> ParseSize(std::string_view text);
// "127.0.0.1:8000", "db.local:5432", "[::1]:8000"; port 0-65535.
std::optional<HostPort> ParseHostPort(std::string_view text);

// "1KiB", "64MiB", "1000" (bytes): the largest binary unit that divides exactly.
std::string FormatSize(uint64_t bytes);
// "[::1]:8000" for an IPv6 host, "127.0.0.1:8000" otherwise.
std::string FormatHostPort(const HostPort& host_port);

}  // namespace metrify::config
