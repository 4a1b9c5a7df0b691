#include "support/json_doc.h"

#include <gtest/gtest.h>

namespace metrify::test {

namespace {
// Long bodies are cut in failure messages.
std::string Excerpt(const std::string& text) {
  return text.size() <= 600 ? text : text.substr(0, 600) + "...";
}
}  // namespace

JsonDoc::JsonDoc(std::string text)
    : text_(std::move(text)), parser_(std::make_unique<simdjson::dom::parser>()) {
  ok_ = parser_->parse(text_).get(root_) == simdjson::SUCCESS;
}

simdjson::simdjson_result<simdjson::dom::element> JsonDoc::At(std::string_view pointer) const {
  if (!ok_) return simdjson::TAPE_ERROR;
  return root_.at_pointer(pointer);
}

bool JsonDoc::Has(std::string_view pointer) const {
  return At(pointer).error() == simdjson::SUCCESS;
}

bool JsonDoc::IsNull(std::string_view pointer) const {
  auto value = At(pointer);
  return value.error() == simdjson::SUCCESS && value.value_unsafe().is_null();
}

// One accessor body for every type: read, or fail naming what was wanted.
#define METRIFY_JSON_GET(Type, getter, fallback, wanted)                                \
  Type out{};                                                                           \
  auto value = At(pointer);                                                             \
  if (value.error() || value.value_unsafe().getter().get(out)) {                        \
    ADD_FAILURE() << "JSON has no " wanted " at " << pointer << ": " << Excerpt(text_); \
    return fallback;                                                                    \
  }

std::string JsonDoc::String(std::string_view pointer) const {
  METRIFY_JSON_GET(std::string_view, get_string, std::string(), "string")
  return std::string(out);
}

int64_t JsonDoc::Int(std::string_view pointer) const {
  METRIFY_JSON_GET(int64_t, get_int64, 0, "integer")
  return out;
}

double JsonDoc::Number(std::string_view pointer) const {
  METRIFY_JSON_GET(double, get_double, 0.0, "number")
  return out;
}

bool JsonDoc::Bool(std::string_view pointer) const {
  METRIFY_JSON_GET(bool, get_bool, false, "boolean")
  return out;
}

#undef METRIFY_JSON_GET

size_t JsonDoc::Size(std::string_view pointer) const {
  auto value = At(pointer);
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (!value.error() && !value.value_unsafe().get_array().get(array)) return array.size();
  if (!value.error() && !value.value_unsafe().get_object().get(object)) return object.size();
  ADD_FAILURE() << "JSON has no array or object at " << pointer << ": " << Excerpt(text_);
  return 0;
}

std::string JsonDoc::Raw(std::string_view pointer) const {
  auto value = At(pointer);
  if (value.error()) return "";
  return simdjson::minify(value.value_unsafe());
}

std::vector<std::string> JsonDoc::Strings(std::string_view array_pointer,
                                          std::string_view member) const {
  std::vector<std::string> out;
  size_t n = Size(array_pointer);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(
        String(std::string(array_pointer) + "/" + std::to_string(i) + "/" + std::string(member)));
  }
  return out;
}

}  // namespace metrify::test
