// `metrify worker monitor` (worker_monitor_command.cc), added under
// `metrify worker` by AddWorkerCommand (worker_command.cc).
#pragma once

#include <CLI/CLI.hpp>

namespace metrify::cli {

// Adds the `monitor` subcommand to `worker`.
void AddWorkerMonitorCommand(CLI::App& worker);

}  // namespace metrify::cli
