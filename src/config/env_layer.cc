// Maps METRIFY_* environment variables onto keys. Every METRIFY_* variable
// must mean something: a misspelt override that is silently ignored is the
// classic way to run production with development defaults.
#include <fmt/format.h>

#include "common/strings.h"
#include "config/key_table.h"
#include "config/layers.h"

namespace metrify::config {
namespace {

constexpr std::string_view kPrefix = "METRIFY_";
constexpr std::string_view kFileSuffix = "_FILE";

const KeyDef* KeyForVariable(std::string_view name) {
  for (const KeyDef& key : Keys()) {
    if (EnvVarName(key) == name) return &key;
  }
  return nullptr;
}

// The key whose *_FILE variant `name` is, secret or not.
const KeyDef* KeyForFileVariable(std::string_view name) {
  if (!name.ends_with(kFileSuffix)) return nullptr;
  return KeyForVariable(name.substr(0, name.size() - kFileSuffix.size()));
}

std::string UnknownVariable(std::string_view name) {
  std::string message = fmt::format("unknown environment variable {}", name);
  // Put the section's dot back so the key suggestion sees "server.lisen".
  std::string rest = ToLower(name.substr(kPrefix.size()));
  size_t underscore = rest.find('_');
  if (underscore != std::string::npos && IsSection(rest.substr(0, underscore))) {
    rest[underscore] = '.';
  }
  std::string suggestion = SuggestKey(rest);
  if (!suggestion.empty()) {
    message += fmt::format("; did you mean {}?", EnvVarName(*FindKey(suggestion)));
  }
  return message;
}

// Reads a *_FILE secret. Reports misuse to `problems` and returns nullopt;
// returns an IOError if the file cannot be read.
Result<std::optional<RawValue>> ReadSecretFile(const KeyDef& key, const std::string& variable,
                                               const std::string& path,
                                               const std::map<std::string, std::string>& env,
                                               std::vector<std::string>* problems) {
  if (!key.secret()) {
    problems->push_back(fmt::format("{}: only secret keys can be read from a file; set {} instead",
                                    variable, EnvVarName(key)));
    return std::optional<RawValue>();
  }
  if (env.count(EnvVarName(key)) != 0) {
    problems->push_back(
        fmt::format("{}: both {} and {} are set; keep one", key.name, EnvVarName(key), variable));
    return std::optional<RawValue>();
  }
  METRIFY_ASSIGN_OR_RETURN(std::string content, ReadTextFile(path, variable + " file"));
  ValueSource source{.kind = ValueSource::Kind::kSecretFile, .detail = variable, .path = path};
  // Secret files usually end in a newline that is not part of the secret.
  return std::optional<RawValue>(RawValue{std::string(Trim(content)), std::move(source)});
}

}  // namespace

Result<Layer> ReadEnvLayer(const std::map<std::string, std::string>& env,
                           std::vector<std::string>* problems) {
  Layer layer;
  for (const auto& [name, text] : env) {
    if (!name.starts_with(kPrefix) || name == kConfigPathEnvVar || name == kClientUrlEnvVar) {
      continue;
    }
    if (const KeyDef* key = KeyForVariable(name)) {
      layer[std::string(key->name)] =
          RawValue{text, {.kind = ValueSource::Kind::kEnv, .detail = name}};
    } else if (const KeyDef* file_key = KeyForFileVariable(name)) {
      METRIFY_ASSIGN_OR_RETURN(std::optional<RawValue> value,
                               ReadSecretFile(*file_key, name, text, env, problems));
      if (value) layer[std::string(file_key->name)] = std::move(*value);
    } else {
      problems->push_back(UnknownVariable(name));
    }
  }
  return layer;
}

}  // namespace metrify::config
