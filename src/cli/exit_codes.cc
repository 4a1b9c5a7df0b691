#include "cli/exit_codes.h"

namespace metrify::cli {

ExitCode ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
      return kExitConflict;
    case StatusCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitInternal;
  }
}

ExitCode ExitCodeForHttp(int http_status) {
  if (http_status < 400) return kExitOk;
  switch (http_status) {
    case 404:
      return kExitNotFound;
    case 409:
      return kExitConflict;
    case 400:
    case 413:
    case 422:
      return kExitInvalid;
    case 503:
      return kExitUnavailable;
    default:
      return http_status >= 500 ? kExitInternal : kExitFailure;
  }
}

}  // namespace metrify::cli
