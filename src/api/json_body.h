// Reading request bodies: a JSON object into named field values (simdjson).
#pragma once

#include <optional>

#include "http/message.h"
#include "model/entity.h"

namespace metrify::api {

// Parses `body` as one JSON object into `out`, keeping nested objects and
// arrays as compact JSON text. Returns an error response when the body is not
// JSON (400 invalid_json, with simdjson's description of the problem) or not
// an object (422).
std::optional<http::HttpResponse> ParseJsonObject(const std::string& body, model::FieldValues* out);

}  // namespace metrify::api
