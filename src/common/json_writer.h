// JsonWriter: builds compact JSON text. simdjson reads JSON everywhere in the
// project; writing needs only this small builder, which keeps separators
// right so callers never concatenate JSON by hand.
//
// Not thread-safe; one writer per response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace metrify {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // REQUIRES: inside an object, and the previous call was not Key().
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  // NaN and infinities have no JSON form and are written as null.
  JsonWriter& Number(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-encoded JSON (for example a stored metadata object).
  JsonWriter& Raw(std::string_view json);

  // Appends the elements of `piece`, a writer whose only open container is
  // the array it began, to the array open here. Large arrays are written in
  // pieces on several threads and joined in order.
  JsonWriter& SpliceElements(const JsonWriter& piece);

  // Reserves room for `bytes` of output: large answers skip the regrowth.
  void Reserve(size_t bytes) { out_.reserve(bytes); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  std::vector<bool> first_;  // one entry per open container: no element yet
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string with escapes.
void AppendJsonString(std::string& out, std::string_view value);
// Appends `value` as JsonWriter::Number writes it (shortest exact text; NaN
// and infinities as null), for hot loops that assemble rows themselves.
void AppendJsonNumber(std::string& out, double value);
// The same text written at `out`, which has room for kMaxJsonNumber chars;
// returns the end of what was written.
inline constexpr size_t kMaxJsonNumber = 32;
char* WriteJsonNumber(char* out, double value);

}  // namespace metrify
