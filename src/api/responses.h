// Building API responses: entities and listings as JSON, and the one place
// where a Status becomes an HTTP status and error body.
#pragma once

#include <string>
#include <string_view>

#include "common/json_writer.h"
#include "common/status.h"
#include "http/message.h"
#include "model/field_json.h"

namespace metrify::api {

// InvalidArgument -> 422 validation_failed (with details), NotFound -> 404,
// AlreadyExists/Conflict -> 409, ResourceExhausted -> 429, Unavailable -> 503,
// Unauthenticated -> 401, PermissionDenied -> 403. Corruption, IOError and
// Internal -> 500 "internal error": the cause is logged with the request id,
// never sent to the client.
http::HttpResponse ErrorFromStatus(const Status& status);

// A 2xx response with `body` as application/json.
http::HttpResponse JsonResponse(int status, std::string body);

}  // namespace metrify::api
