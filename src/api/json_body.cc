#include "api/json_body.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace metrify::api {

namespace {

model::FieldValue ToFieldValue(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(element.get_string().value());
    case simdjson::dom::element_type::INT64:
      return element.get_int64().value();
    case simdjson::dom::element_type::UINT64:
      return static_cast<double>(element.get_uint64().value());
    case simdjson::dom::element_type::DOUBLE:
      return element.get_double().value();
    case simdjson::dom::element_type::BOOL:
      return element.get_bool().value();
    case simdjson::dom::element_type::NULL_VALUE:
      return std::monostate();
    default:
      return model::JsonText{simdjson::minify(element)};
  }
}

}  // namespace

std::optional<http::HttpResponse> ParseJsonObject(const std::string& body,
                                                  model::FieldValues* out) {
  // One parser per thread: it keeps its buffers between requests.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(body).get(doc); error) {
    return http::MakeErrorResponse(
        400, "invalid_json",
        fmt::format("request body is not valid JSON: {}", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    return http::MakeErrorResponse(422, "validation_failed", "request body must be a JSON object");
  }
  out->clear();
  std::vector<StatusDetail> duplicates;
  for (auto [key, value] : object) {
    for (const auto& [seen, unused] : *out) {
      if (seen == key) {
        duplicates.push_back(
            {std::string(key), "duplicate_field", fmt::format("{} is given more than once", key)});
      }
    }
    out->emplace_back(std::string(key), ToFieldValue(value));
  }
  // Which of two values a client meant is a guess we do not make.
  if (!duplicates.empty()) {
    std::string message = duplicates.front().message;
    return http::MakeErrorResponse(422, "validation_failed", message, duplicates);
  }
  return std::nullopt;
}

}  // namespace metrify::api
