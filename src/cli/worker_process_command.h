// `metrify worker process` (worker_process_command.cc), added under
// `metrify worker` by AddWorkerCommand (worker_command.cc).
#pragma once

#include <CLI/CLI.hpp>

namespace metrify::cli {

// Adds the `process` subcommand (hourly rollups) to `worker`.
void AddWorkerProcessCommand(CLI::App& worker);

}  // namespace metrify::cli
