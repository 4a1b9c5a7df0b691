// `metrify version`.
#include <iostream>

#include "cli/command.h"
#include "common/json_writer.h"

namespace metrify::cli {

void AddVersionCommand(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* version = app.add_subcommand("version", "Print the version");
  version->add_flag("--json", *json, "Print JSON");
  version->callback([json] {
    if (*json) {
      JsonWriter w;
      w.BeginObject().Key("version").String(METRIFY_VERSION);
      w.Key("compiler").String(__VERSION__).EndObject();
      std::cout << w.str() << "\n";
    } else {
      std::cout << "metrify " << METRIFY_VERSION << "\n";
    }
  });
}

}  // namespace metrify::cli
