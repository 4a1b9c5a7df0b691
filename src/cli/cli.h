// The metrify command line: parses argv with CLI11 and runs one command.
#pragma once

namespace metrify::cli {

// Returns the process exit code (see cli/exit_codes.h).
int RunCli(int argc, char** argv);

}  // namespace metrify::cli
