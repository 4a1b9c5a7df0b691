// Exit codes of the metrify command, stable for scripts (documented in
// docs/cli.md and in `metrify --help`).
#pragma once

#include "common/status.h"

namespace metrify::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // the command ran but did not fully succeed (rejected rows)
  kExitUsage = 2,         // bad flags or arguments, bad configuration
  kExitNotFound = 3,      // the named entity does not exist
  kExitConflict = 4,      // already exists, or still referenced
  kExitInvalid = 5,       // the server refused a field value (422)
  kExitUnavailable = 6,   // the server or a dependency could not be reached
  kExitInternal = 7,      // an internal error; see the log
  kExitQualityBelow = 8,  // `quality check`: a report missed a threshold (docs/quality.md)
};

ExitCode ExitCodeFor(const Status& status);
ExitCode ExitCodeForHttp(int http_status);

}  // namespace metrify::cli
