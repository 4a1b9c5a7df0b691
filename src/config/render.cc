// `metrify config show`: the effective configuration as YAML or JSON. Every
// string value passes through RedactForDisplay before it is written.
#include <fmt/format.h>

#include <cassert>

#include "common/json_writer.h"
#include "config/config.h"
#include "config/key_table.h"
#include "config/redact.h"
#include "config/value_parser.h"

namespace metrify::config {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

const KeyDef& DefOf(const ConfigEntry& entry) {
  const KeyDef* key = FindKey(entry.key);
  assert(key != nullptr && "entries come from the key table");
  return *key;
}

// YAML double-quoted scalar, so any text (':', '#', quotes) reads back as is.
std::string QuoteYaml(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string YamlValue(const KeyDef& key, const ConfigValue& value) {
  return std::visit(
      Overloaded{
          [&](const std::string& text) {
            // Enum values are known plain words; everything else is quoted.
            return key.type == KeyType::kEnum ? text : QuoteYaml(RedactForDisplay(key, text));
          },
          [](int64_t number) { return std::to_string(number); },
          [](double number) { return fmt::format("{}", number); },
          [](bool flag) { return std::string(flag ? "true" : "false"); },
          [](const HostPort& host_port) { return QuoteYaml(FormatHostPort(host_port)); },
      },
      value);
}

void JsonValue(const KeyDef& key, const ConfigValue& value, JsonWriter& json) {
  std::visit(Overloaded{
                 [&](const std::string& text) { json.String(RedactForDisplay(key, text)); },
                 [&](int64_t number) { json.Int(number); },
                 [&](double number) { json.Number(number); },
                 [&](bool flag) { json.Bool(flag); },
                 [&](const HostPort& host_port) { json.String(FormatHostPort(host_port)); },
             },
             value);
}

}  // namespace

std::string RenderConfigYaml(const LoadedConfig& loaded) {
  std::string out = "# Effective Metrify configuration; secrets are shown as ***.\n";
  std::string_view section;
  for (const ConfigEntry& entry : loaded.entries) {
    const KeyDef& key = DefOf(entry);
    if (key.section() != section) {
      section = key.section();
      out += fmt::format("\n{}:\n", section);
    }
    out += fmt::format("{}{}: {}  # {}\n", section.empty() ? "" : "  ", key.leaf(),
                       YamlValue(key, entry.value), entry.source.ToString());
  }
  return out;
}

std::string RenderConfigJson(const LoadedConfig& loaded) {
  JsonWriter json;
  json.BeginObject();
  for (const ConfigEntry& entry : loaded.entries) {
    json.Key(entry.key).BeginObject().Key("value");
    JsonValue(DefOf(entry), entry.value, json);
    json.Key("source").String(entry.source.ToString()).EndObject();
  }
  json.EndObject();
  return json.Take();
}

}  // namespace metrify::config
