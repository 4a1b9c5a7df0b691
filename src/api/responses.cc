#include "api/responses.h"

#include "obs/log.h"

namespace metrify::api {

http::HttpResponse ErrorFromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return http::MakeErrorResponse(422, "validation_failed", status.message(), status.details());
    case StatusCode::kNotFound:
      return http::MakeErrorResponse(404, "not_found", status.message());
    case StatusCode::kAlreadyExists:
      return http::MakeErrorResponse(409, "already_exists", status.message());
    case StatusCode::kConflict:
      return http::MakeErrorResponse(409, "conflict", status.message());
    case StatusCode::kResourceExhausted:
      return http::MakeErrorResponse(429, "resource_exhausted", status.message());
    case StatusCode::kUnavailable: {
      http::HttpResponse r = http::MakeErrorResponse(503, "unavailable", status.message());
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case StatusCode::kUnauthenticated:
      return http::MakeErrorResponse(401, "unauthenticated", status.message());
    case StatusCode::kPermissionDenied:
      return http::MakeErrorResponse(403, "permission_denied", status.message());
    default:
      break;
  }
  // The message may name files and internals: it goes to the log only.
  obs::LogError("request failed", {{"error", status.ToString()}});
  return http::MakeErrorResponse(500, "internal",
                                 "internal error; the server log has the details under this "
                                 "request's X-Request-ID");
}

http::HttpResponse JsonResponse(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace metrify::api
