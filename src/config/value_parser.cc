#include "config/value_parser.h"

#include <fmt/format.h>

#include <array>
#include <limits>

#include "common/strings.h"
#include "config/redact.h"

namespace metrify::config {
namespace {

Status Expected(const KeyDef& key, std::string_view what, std::string_view text) {
  return Status::InvalidArgument(
      fmt::format("expected {}, got \"{}\"", what, RedactForDisplay(key, text)));
}

std::string EnumChoices(std::string_view allowed) {
  std::string out;
  for (std::string_view choice : Split(allowed, '|')) {
    if (!out.empty()) out += ", ";
    out += choice;
  }
  return out;
}

Result<ConfigValue> ParseEnumValue(const KeyDef& key, std::string_view text) {
  for (std::string_view choice : Split(key.allowed, '|')) {
    if (EqualsIgnoreCase(text, choice)) return ConfigValue(std::string(choice));
  }
  return Expected(key, "one of " + EnumChoices(key.allowed), text);
}

Result<ConfigValue> ParseIntValue(const KeyDef& key, std::string_view text) {
  std::optional<long long> value = metrify::ParseInt(text);
  if (!value || *value < key.min || *value > key.max) {
    return Expected(key, fmt::format("an integer from {} to {}", key.min, key.max), text);
  }
  return ConfigValue(static_cast<int64_t>(*value));
}

Result<ConfigValue> ParseNumberValue(const KeyDef& key, std::string_view text) {
  std::optional<double> value = ParseDouble(text);
  bool low = value && (key.min_exclusive ? *value <= key.min : *value < key.min);
  if (!value || low || *value > key.max) {
    std::string range = key.min_exclusive
                            ? fmt::format("greater than {} and at most {}", key.min, key.max)
                            : fmt::format("from {} to {}", key.min, key.max);
    return Expected(key, "a number " + range, text);
  }
  return ConfigValue(*value);
}

Result<ConfigValue> ParseSizeValue(const KeyDef& key, std::string_view text) {
  std::optional<uint64_t> value = ParseSize(text);
  if (!value || *value < key.min || *value > key.max) {
    auto what = fmt::format("a size from {} to {} (bytes, or a whole number with KiB, MiB or GiB)",
                            FormatSize(static_cast<uint64_t>(key.min)),
                            FormatSize(static_cast<uint64_t>(key.max)));
    return Expected(key, what, text);
  }
  return ConfigValue(static_cast<int64_t>(*value));
}

Result<ConfigValue> ParseUrlValue(const KeyDef& key, std::string_view text) {
  if (text.empty()) return ConfigValue(std::string());
  size_t colon = text.find("://");
  if (colon != std::string_view::npos && colon + 3 < text.size()) {
    std::string scheme = ToLower(text.substr(0, colon));
    for (std::string_view allowed : Split(key.allowed, '|')) {
      if (scheme == allowed) return ConfigValue(std::string(text));
    }
  }
  std::string schemes;
  for (std::string_view allowed : Split(key.allowed, '|')) {
    schemes += schemes.empty() ? "" : " or ";
    schemes += fmt::format("{}://", allowed);
  }
  return Expected(key, "empty or a URL starting with " + schemes, text);
}

}  // namespace

Result<ConfigValue> ParseValue(const KeyDef& key, std::string_view text) {
  if (key.type == KeyType::kString) return ConfigValue(std::string(text));
  text = Trim(text);
  switch (key.type) {
    case KeyType::kString:
      break;  // handled above
    case KeyType::kPath:
      if (text.empty()) return Expected(key, "a non-empty path", text);
      return ConfigValue(std::string(text));
    case KeyType::kEnum:
      return ParseEnumValue(key, text);
    case KeyType::kBool:
      if (auto value = ParseBool(text)) return ConfigValue(*value);
      return Expected(key, "true or false", text);
    case KeyType::kInt:
      return ParseIntValue(key, text);
    case KeyType::kNumber:
      return ParseNumberValue(key, text);
    case KeyType::kSize:
      return ParseSizeValue(key, text);
    case KeyType::kHostPort:
      if (auto value = ParseHostPort(text)) return ConfigValue(*value);
      return Expected(key, "HOST:PORT with a port from 0 to 65535 (IPv6 as [::1]:8000)", text);
    case KeyType::kUrl:
      return ParseUrlValue(key, text);
  }
  return Status::Internal(fmt::format("{}: key type not handled", key.name));
}

std::optional<bool> ParseBool(std::string_view text) {
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (EqualsIgnoreCase(text, yes)) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (EqualsIgnoreCase(text, no)) return false;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    uint64_t factor;
  };
  // Only binary units: "MB" would leave operators guessing 10^6 or 2^20.
  static constexpr std::array<Unit, 4> kUnits = {
      {{"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"B", 1}}};
  text = Trim(text);
  uint64_t factor = 1;
  for (const Unit& unit : kUnits) {
    if (text.size() > unit.suffix.size() &&
        EqualsIgnoreCase(text.substr(text.size() - unit.suffix.size()), unit.suffix)) {
      text = Trim(text.substr(0, text.size() - unit.suffix.size()));
      factor = unit.factor;
      break;
    }
  }
  if (!text.empty() && text.front() == '+') return std::nullopt;  // digits only
  std::optional<long long> count = metrify::ParseInt(text);
  if (!count || *count < 0) return std::nullopt;
  if (static_cast<uint64_t>(*count) > std::numeric_limits<uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(*count) * factor;
}

std::optional<HostPort> ParseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // A bare IPv6 address would be ambiguous: "::1:8000".
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (host.empty() || host.find_first_of(" \t/") != std::string_view::npos) return std::nullopt;
  if (port.empty() || port.front() == '+') return std::nullopt;
  std::optional<long long> number = metrify::ParseInt(port);
  if (!number || *number < 0 || *number > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<uint16_t>(*number)};
}

std::string FormatSize(uint64_t bytes) {
  static constexpr std::array<std::pair<const char*, uint64_t>, 3> kUnits = {
      {{"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}}};
  for (const auto& [suffix, factor] : kUnits) {
    if (bytes != 0 && bytes % factor == 0) return fmt::format("{}{}", bytes / factor, suffix);
  }
  return std::to_string(bytes);
}

std::string FormatHostPort(const HostPort& host_port) {
  if (host_port.host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host_port.host, host_port.port);
  }
  return fmt::format("{}:{}", host_port.host, host_port.port);
}

}  // namespace metrify::config
