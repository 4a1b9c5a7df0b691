// LoadConfig: stacks the layers, resolves the profile, then types every key.
#include <fmt/format.h>
#include <unistd.h>

#include <cassert>

#include "config/config.h"
#include "config/key_table.h"
#include "config/layers.h"
#include "config/value_parser.h"

extern char** environ;

namespace metrify::config {
namespace {

std::string Problem(const KeyDef& key, const Status& status, const ValueSource& source) {
  return fmt::format("{}: {} (from {})", key.name, status.message(), source.ToString());
}

// Parses what every layer gave for `key`, so a bad value is reported even when
// a higher layer overrides it. The highest layer wins.
std::optional<ConfigEntry> ResolveGiven(const KeyDef& key, const std::vector<Layer>& layers,
                                        std::vector<std::string>* problems) {
  std::optional<ConfigEntry> entry;
  for (const Layer& layer : layers) {
    auto it = layer.find(std::string(key.name));
    if (it == layer.end()) continue;
    Result<ConfigValue> value = ParseValue(key, it->second.text);
    if (!value.has_value()) {
      problems->push_back(Problem(key, value.error(), it->second.source));
      continue;
    }
    entry = ConfigEntry{std::string(key.name), std::move(value).value(), it->second.source};
  }
  return entry;
}

ConfigEntry DefaultEntry(const KeyDef& key, Profile profile) {
  Result<ConfigValue> value = ParseValue(key, key.defaults.For(profile));
  assert(value.has_value() && "every default must parse; value_parser_test checks them all");
  ValueSource source;
  if (key.defaults.per_profile) {
    source = {.kind = ValueSource::Kind::kProfile, .detail = std::string(ProfileName(profile))};
  }
  return ConfigEntry{std::string(key.name), std::move(value).value(), std::move(source)};
}

ConfigEntry Resolve(const KeyDef& key, Profile profile, const std::vector<Layer>& layers,
                    std::vector<std::string>* problems) {
  std::optional<ConfigEntry> given = ResolveGiven(key, layers, problems);
  return given ? std::move(*given) : DefaultEntry(key, profile);
}

// The layers from lowest to highest precedence: file, environment, command line.
Result<std::vector<Layer>> ReadLayers(const ConfigSources& sources,
                                      std::vector<std::string>* problems) {
  std::vector<Layer> layers;
  std::optional<std::string> path = sources.file;
  if (auto it = sources.env.find(kConfigPathEnvVar); !path && it != sources.env.end()) {
    if (!it->second.empty()) path = it->second;
  }
  if (path) {
    METRIFY_ASSIGN_OR_RETURN(Layer file, ReadFileLayer(*path, problems));
    layers.push_back(std::move(file));
  }
  METRIFY_ASSIGN_OR_RETURN(Layer env, ReadEnvLayer(sources.env, problems));
  layers.push_back(std::move(env));
  layers.push_back(ReadCommandLineLayer(sources.overrides, sources.profile, problems));
  return layers;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace

std::string ValueSource::ToString() const {
  switch (kind) {
    case Kind::kDefault:
      return "default";
    case Kind::kProfile:
      return fmt::format("profile \"{}\"", detail);
    case Kind::kFile:
      return fmt::format("{} line {}", path, line);
    case Kind::kEnv:
      return detail;
    case Kind::kSecretFile:
      return fmt::format("file {} named by {}", path, detail);
    case Kind::kCommandLine:
      return detail.empty() ? "command line" : "command line " + detail;
  }
  return "unknown";
}

const ConfigEntry* LoadedConfig::Find(std::string_view key) const {
  for (const ConfigEntry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** item = environ; item != nullptr && *item != nullptr; ++item) {
    std::string_view text(*item);
    size_t eq = text.find('=');
    if (!text.starts_with("METRIFY_") || eq == std::string_view::npos) continue;
    env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

Layer ReadCommandLineLayer(const std::map<std::string, std::string>& overrides,
                           const std::optional<std::string>& profile,
                           std::vector<std::string>* problems) {
  Layer layer;
  for (const auto& [name, text] : overrides) {
    if (FindKey(name) != nullptr) {
      layer[name] = RawValue{text, {.kind = ValueSource::Kind::kCommandLine}};
      continue;
    }
    std::string message = fmt::format("unknown key \"{}\" (from command line)", name);
    std::string suggestion = SuggestKey(name);
    if (!suggestion.empty()) message += fmt::format("; did you mean \"{}\"?", suggestion);
    problems->push_back(std::move(message));
  }
  if (profile) {
    layer["profile"] =
        RawValue{*profile, {.kind = ValueSource::Kind::kCommandLine, .detail = "--profile"}};
  }
  return layer;
}

Result<LoadedConfig> LoadConfig(const ConfigSources& sources) {
  std::vector<std::string> problems;
  METRIFY_ASSIGN_OR_RETURN(std::vector<Layer> layers, ReadLayers(sources, &problems));
  // The profile picks every other key's default, so it is resolved first.
  const KeyDef& profile_key = *FindKey("profile");
  ConfigEntry profile_entry = Resolve(profile_key, Profile::kDevelopment, layers, &problems);
  Profile profile =
      ProfileFromName(std::get<std::string>(profile_entry.value)).value_or(Profile::kDevelopment);
  LoadedConfig loaded;
  for (const KeyDef& key : Keys()) {
    ConfigEntry entry =
        &key == &profile_key ? profile_entry : Resolve(key, profile, layers, &problems);
    key.store(entry.value, loaded.config);
    loaded.entries.push_back(std::move(entry));
  }
  if (!problems.empty()) return Status::InvalidArgument(JoinLines(problems));
  return loaded;
}

}  // namespace metrify::config
