// `metrify migrate copy`: registered by migrate_command.cc beside `up` and
// `status` (store/migrate_copy/migrate_copy.h does the work).
#pragma once

#include <CLI/CLI.hpp>

namespace metrify::cli {

// Adds `copy` to the `migrate` command.
void AddMigrateCopyCommand(CLI::App& migrate);

}  // namespace metrify::cli
