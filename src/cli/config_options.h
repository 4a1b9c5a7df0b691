// The configuration flags shared by commands that read the configuration
// (serve, config show): --config, --profile, and flags that override keys.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>

#include "config/config.h"

namespace metrify::cli {

struct ConfigOptions {
  std::string file;                              // --config
  std::string profile;                           // --profile
  std::map<std::string, std::string> overrides;  // dotted key -> text
};

// Adds --config and --profile to `command`.
void AddConfigFlags(CLI::App& command, ConfigOptions* options);
// Adds a flag that overrides one configuration key, e.g. --listen -> server.listen.
void AddOverrideFlag(CLI::App& command, ConfigOptions* options, const std::string& flag,
                     const std::string& key, const std::string& help);
// Loads the configuration from the flags, the environment and the file;
// fails the command with exit code 2 and the loader's message on error.
config::LoadedConfig LoadConfigOrFail(const ConfigOptions& options);

}  // namespace metrify::cli
