// JsonDoc: a parsed JSON text for assertions, addressed by JSON Pointer
// ("/error/details/0/field"). Accessors never throw: a missing member or a
// value of another type records a gtest failure naming the pointer and the
// text, and returns an empty value, so one bad response yields one readable
// failure instead of a crash.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace metrify::test {

class JsonDoc {
 public:
  // Parses `text`; ok() tells whether it was valid JSON.
  explicit JsonDoc(std::string text);

  bool ok() const { return ok_; }
  const std::string& text() const { return text_; }
  simdjson::dom::element root() const { return root_; }

  // True when the pointer names a value (null included).
  bool Has(std::string_view pointer) const;
  bool IsNull(std::string_view pointer) const;
  std::string String(std::string_view pointer) const;
  int64_t Int(std::string_view pointer) const;
  double Number(std::string_view pointer) const;  // integers too
  bool Bool(std::string_view pointer) const;
  // Elements of an array, members of an object.
  size_t Size(std::string_view pointer) const;
  // The value as compact JSON text ("" when missing).
  std::string Raw(std::string_view pointer) const;
  // Each string at `pointer`/i/`member` of the array at `pointer`, e.g.
  // Strings("/items", "id") for the ids of a listing.
  std::vector<std::string> Strings(std::string_view array_pointer, std::string_view member) const;

 private:
  simdjson::simdjson_result<simdjson::dom::element> At(std::string_view pointer) const;

  std::string text_;
  std::unique_ptr<simdjson::dom::parser> parser_;
  simdjson::dom::element root_;
  bool ok_ = false;
};

}  // namespace metrify::test
