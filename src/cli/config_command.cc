// `metrify config show`: the effective configuration, secrets redacted.
#include <iostream>

#include "cli/command.h"
#include "cli/config_options.h"

namespace metrify::cli {

void AddConfigCommand(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto options = std::make_shared<ConfigOptions>();
  auto json = std::make_shared<bool>(false);
  CLI::App* show = config->add_subcommand(
      "show",
      "Print the effective configuration with the source of each value; secrets are "
      "redacted");
  AddConfigFlags(*show, options.get());
  show->add_flag("--json", *json, "Print JSON instead of YAML");
  show->callback([options, json] {
    config::LoadedConfig loaded = LoadConfigOrFail(*options);
    std::cout << (*json ? config::RenderConfigJson(loaded) + "\n"
                        : config::RenderConfigYaml(loaded));
  });
}

}  // namespace metrify::cli
