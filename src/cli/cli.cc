#include "cli/cli.h"

#include <exception>
#include <iostream>

#include "cli/command.h"

namespace metrify::cli {

int RunCli(int argc, char** argv) {
  CLI::App app{"Metrify: a smart-metering data platform.\n"};
  app.footer(
      "Exit codes: 0 ok, 1 partly failed (e.g. rejected rows), 2 usage or configuration "
      "error, 3 not found, 4 conflict, 5 invalid value, 6 server unreachable, 7 internal "
      "error, 8 quality below thresholds (quality check).\n"
      "Run `metrify COMMAND --help` for a command's options.");
  app.require_subcommand(1);
  app.set_version_flag("--version", METRIFY_VERSION);
  AddServeCommand(app);
  AddEntityCommands(app);
  AddIngestCommand(app);
  AddQueryCommand(app);
  AddQualityCommand(app);
  AddAlertsCommand(app);
  AddConfigCommand(app);
  AddBackupCommands(app);
  AddSimulateCommand(app);
  AddMigrateCommand(app);
  AddWorkerCommand(app);
  AddBenchCommand(app);
  AddVersionCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 has its own codes for each kind of parse error (105, 106, ...);
    // scripts get ours: 0 for --help and --version, 2 for any usage error,
    // and a command's own code when it failed (CLI::RuntimeError).
    int code = app.exit(e);
    bool own = dynamic_cast<const CLI::RuntimeError*>(&e) != nullptr;
    return code == 0 || own ? code : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "metrify: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace metrify::cli
