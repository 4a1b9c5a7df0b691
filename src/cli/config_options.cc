#include "cli/config_options.h"

#include "cli/command.h"

namespace metrify::cli {

void AddConfigFlags(CLI::App& command, ConfigOptions* options) {
  command.add_option("--config", options->file,
                     "YAML configuration file (env METRIFY_CONFIG); see "
                     "config/metrify.example.yaml");
  command.add_option("--profile", options->profile,
                     "Profile: development, staging or production (env METRIFY_PROFILE)");
}

void AddOverrideFlag(CLI::App& command, ConfigOptions* options, const std::string& flag,
                     const std::string& key, const std::string& help) {
  command.add_option_function<std::string>(
      flag, [options, key](const std::string& value) { options->overrides[key] = value; },
      help + " (overrides " + key + ")");
}

config::LoadedConfig LoadConfigOrFail(const ConfigOptions& options) {
  config::ConfigSources sources;
  if (!options.file.empty()) sources.file = options.file;
  if (!options.profile.empty()) sources.profile = options.profile;
  sources.env = config::ProcessEnvironment();
  sources.overrides = options.overrides;
  Result<config::LoadedConfig> loaded = config::LoadConfig(sources);
  if (!loaded.has_value()) Fail(kExitUsage, "configuration: " + loaded.error().message());
  return std::move(loaded).value();
}

}  // namespace metrify::cli
