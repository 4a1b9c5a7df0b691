// `--listen HOST:PORT` of the worker roles (docs/cli.md, `metrify worker`).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace metrify::cli {

// The host and port of `listen`; exits with kExitUsage naming the flag when
// it is not HOST:PORT with a port up to 65535 (0: any free port).
std::pair<std::string, uint16_t> ListenOrFail(const std::string& listen);

}  // namespace metrify::cli
