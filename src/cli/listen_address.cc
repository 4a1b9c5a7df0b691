#include "cli/listen_address.h"

#include <charconv>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace metrify::cli {

std::pair<std::string, uint16_t> ListenOrFail(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port).ec !=
          std::errc() ||
      port > 65535) {
    Fail(kExitUsage, "--listen: expected HOST:PORT, got \"" + listen + "\"");
  }
  return {listen.substr(0, colon), static_cast<uint16_t>(port)};
}

}  // namespace metrify::cli
