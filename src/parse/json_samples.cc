#include "parse/json_samples.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parse/rejections.h"

// simdjson is used through its error-code API only: nothing here throws.
// On-Demand reads values in place, so a scalar that is not valid JSON
// (1.2.3, NaN) fails only the get_*() call and the item; a broken structure
// (a missing comma, an unclosed bracket) ends the document.

namespace metrify::parse {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// One parser per thread keeps its buffers between requests.
std::unique_ptr<od::parser>& ThreadParserSlot() {
  thread_local std::unique_ptr<od::parser> parser;
  return parser;
}

od::parser& ThreadParser() {
  auto& parser = ThreadParserSlot();
  if (!parser) parser = std::make_unique<od::parser>();
  return *parser;
}

// Reading stops at the first problem of an item; later keys of a rejected
// item are still walked so that structural damage is found the same way
// whichever key came first.
struct ItemReader {
  SampleAssembler& a;

  error_code ReadObject(od::object& object);
  bool ReadSlot(od::value& value, int slot, std::string_view key);
  bool ReadValue(od::value& value, int slot, std::string_view key);
  bool ReadEntity(od::value& value, std::string_view key);
  bool ReadTimestamp(od::value& value);
  bool ReadInterval(od::value& value, std::string_view key);
  enum class Expect { kNumber, kString };
  bool ReadNonNumber(od::value& value, std::string_view key, Expect expect);
  bool ClassifyToken(od::value& value, std::string_view key);
};

// The text of a JSON string from `begin` (just after its opening quote) to
// its closing quote, when it has no escape; false when it has one. 16 bytes
// at a time with SSE2 (every x86-64 has it): keys and timestamps are 8 to 25
// bytes, and a byte loop over them cost more than the rest of the lookup.
// REQUIRES: the closing quote exists (simdjson's stage 1 checked) and 16
// bytes past it are readable (simdjson's padding).
bool UnescapedSpan(const char* begin, std::string_view* out) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (size_t offset = 0;; offset += 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + offset));
    unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote)));
    unsigned escapes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, backslash)));
    if ((quotes | escapes) == 0) continue;
    unsigned first = static_cast<unsigned>(__builtin_ctz(quotes | escapes));
    if (escapes & (1u << first)) return false;
    *out = std::string_view(begin, offset + first);
    return true;
  }
#else
  const char* p = begin;
  while (*p != '"') {
    if (*p == '\\') return false;
    ++p;
  }
  *out = std::string_view(begin, static_cast<size_t>(p - begin));
  return true;
#endif
}

// A string value without copying it when it has no escapes (ids and
// timestamps never do); get_string() otherwise.
error_code GetString(od::value& value, std::string_view* out) {
  std::string_view raw = value.raw_json_token();
  if (!raw.empty() && raw[0] == '"' && UnescapedSpan(raw.data() + 1, out)) {
    return simdjson::SUCCESS;
  }
  return value.get_string().get(*out);
}

std::string_view TrimToken(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return token;
}

// NaN, Infinity and -Infinity as Python's json module writes them, and
// their common spellings.
bool IsNonFiniteWord(std::string_view token) {
  if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.remove_prefix(1);
  auto lower_equals = [&](std::string_view word) {
    if (token.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if ((token[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  return lower_equals("nan") || lower_equals("inf") || lower_equals("infinity");
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.' && (++i, !digits())) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

error_code ItemReader::ReadObject(od::object& object) {
  for (auto field_or : object) {
    if (error_code error = field_or.error()) return error;
    if (a.rejected()) continue;  // walk on to find structural errors only
    od::field& field = field_or.value_unsafe();
    std::string_view key;
    int slot;
    if (UnescapedSpan(field.key().raw(), &key)) {
      slot = a.fields().FindPadded(key.data(), key.size());  // the key sits in padded input
    } else if (error_code error = field.unescaped_key().get(key)) {
      return error;
    } else {
      slot = a.fields().Find(key);
    }
    if (slot < 0) {
      a.RejectUnknownField(key);
    } else if (a.See(slot, key)) {
      ReadSlot(field.value(), slot, key);
    }
  }
  return simdjson::SUCCESS;
}

bool ItemReader::ReadSlot(od::value& value, int slot, std::string_view key) {
  switch (slot) {
    case kSlotEntity:
      return ReadEntity(value, key);
    case kSlotTimestamp:
      return ReadTimestamp(value);
    case kSlotInterval:
      return ReadInterval(value, key);
    default:
      return ReadValue(value, slot, key);
  }
}

bool ItemReader::ReadValue(od::value& value, int slot, std::string_view key) {
  double number = 0;
  if (value.get_double().get(number) == simdjson::SUCCESS) {
    a.SetValue(slot, number);
    return true;
  }
  return ReadNonNumber(value, key, Expect::kNumber);
}

bool ItemReader::ReadEntity(od::value& value, std::string_view key) {
  std::string_view id;
  if (GetString(value, &id) == simdjson::SUCCESS) return a.SetEntity(id);
  return ReadNonNumber(value, key, Expect::kString);
}

bool ItemReader::ReadTimestamp(od::value& value) {
  std::string_view raw = value.raw_json_token();
  if (raw.empty()) return ClassifyToken(value, "timestamp");
  if (raw[0] == '"') {
    std::string_view text;
    if (GetString(value, &text) == simdjson::SUCCESS) return a.SetTimestampText(text);
    return ClassifyToken(value, "timestamp");
  }
  int64_t ms = 0;
  if (value.get_int64().get(ms) == simdjson::SUCCESS) return a.SetTimestampMillis(ms);
  double number = 0;
  if (value.get_double().get(number) == simdjson::SUCCESS) {
    return a.Reject(
        "timestamp", reject::kInvalidTimestamp,
        number == std::floor(number)
            ? fmt::format("timestamp {} (epoch milliseconds) is outside the years "
                          "1970 to 2200",
                          TrimToken(raw))
            : fmt::format("timestamp {} must be whole epoch milliseconds", TrimToken(raw)));
  }
  return ReadNonNumber(value, "timestamp", Expect::kNumber);
}

bool ItemReader::ReadInterval(od::value& value, std::string_view key) {
  double seconds = 0;
  if (value.get_double().get(seconds) == simdjson::SUCCESS) return a.SetInterval(seconds, key);
  return ReadNonNumber(value, key, Expect::kNumber);
}

// After a failed get_*(): null means "not given"; another JSON type is
// wrong_type; anything else is judged from its text.
bool ItemReader::ReadNonNumber(od::value& value, std::string_view key, Expect expect) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return ClassifyToken(value, key);
  bool flag = false;
  std::string_view got;
  switch (type) {
    case od::json_type::null:
      if (value.is_null().get(flag) == simdjson::SUCCESS && flag) return true;
      return ClassifyToken(value, key);
    case od::json_type::boolean:
      if (value.get_bool().get(flag) != simdjson::SUCCESS) return ClassifyToken(value, key);
      got = flag ? "true" : "false";
      break;
    case od::json_type::string:
      got = "a string";
      break;
    case od::json_type::object:
      got = "an object";
      break;
    case od::json_type::array:
      got = "an array";
      break;
    case od::json_type::number:
      if (expect == Expect::kNumber || !IsJsonNumber(TrimToken(value.raw_json_token()))) {
        return ClassifyToken(value, key);
      }
      got = "a number";
      break;
  }
  std::string_view expected = key == "timestamp"          ? "RFC 3339 text or epoch milliseconds"
                              : expect == Expect::kString ? "a string"
                                                          : "a number";
  return a.Reject(key, reject::kWrongType,
                  fmt::format("{} must be {}, got {}", key, expected, got));
}

// A scalar simdjson could not read: NaN or infinity as words, a number
// beyond double range (both not_finite), or not JSON at all.
bool ItemReader::ClassifyToken(od::value& value, std::string_view key) {
  std::string_view token = TrimToken(value.raw_json_token());
  if (IsNonFiniteWord(token)) {
    return a.Reject(key, reject::kNotFinite,
                    fmt::format("{} must be a finite number, got {}", key, token));
  }
  if (IsJsonNumber(token)) {
    if (key == "timestamp") {
      return a.Reject(key, reject::kInvalidTimestamp,
                      fmt::format("timestamp {} is not epoch milliseconds in the years 1970 to "
                                  "2200",
                                  QuoteForMessage(token)));
    }
    return a.Reject(
        key, reject::kNotFinite,
        fmt::format("{} {} is beyond the range of a 64-bit float", key, QuoteForMessage(token)));
  }
  return a.Reject(
      key, reject::kMalformedItem,
      fmt::format("the value of {} is not valid JSON: {}", key, QuoteForMessage(token)));
}

Status BrokenJson(error_code error, size_t index) {
  return Status::InvalidArgument(fmt::format("request body is not valid JSON: {} (in item {})",
                                             simdjson::error_message(error), index));
}

Status ReadArray(od::array& array, SampleAssembler* a) {
  ItemReader reader{*a};
  size_t index = 0;
  for (auto element_or : array) {
    od::value element;
    if (error_code error = std::move(element_or).get(element)) return BrokenJson(error, index);
    a->Begin(index, 0);
    od::object object;
    error_code error = element.get_object().get(object);
    if (error == simdjson::INCORRECT_TYPE) {
      a->Reject("", reject::kMalformedItem, "the item is not a JSON object");
    } else if (error || (error = reader.ReadObject(object))) {
      return BrokenJson(error, index);
    }
    a->Finish();
    ++index;
  }
  return Status::Ok();
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// One NDJSON line; every problem is the line's own.
void ReadNdjsonLine(std::string_view line, size_t capacity, SampleAssembler* a) {
  od::document doc;
  od::object object;
  error_code error = ThreadParser().iterate(line.data(), line.size(), capacity).get(doc);
  if (!error) error = doc.get_object().get(object);
  if (error == simdjson::INCORRECT_TYPE) {
    a->Reject("", reject::kMalformedItem, "the line is not a JSON object");
    return;
  }
  ItemReader reader{*a};
  if (!error) error = reader.ReadObject(object);
  const char* rest = nullptr;
  if (!error && doc.current_location().get(rest) == simdjson::SUCCESS) {
    a->Reject("", reject::kMalformedItem, "the line has text after its JSON object");
  }
  if (error) {
    a->Reject("", reject::kMalformedItem,
              fmt::format("the line is not valid JSON: {}", simdjson::error_message(error)));
  }
}

}  // namespace

Status ReadJsonItems(const char* data, size_t size, size_t capacity, SampleAssembler* a) {
  od::document doc;
  if (error_code error = ThreadParser().iterate(data, size, capacity).get(doc)) {
    return Status::InvalidArgument(
        fmt::format("request body is not valid JSON: {}", simdjson::error_message(error)));
  }
  od::json_type type;
  if (error_code error = doc.type().get(type)) return BrokenJson(error, 0);
  if (type == od::json_type::array) {
    od::array array;
    if (error_code error = doc.get_array().get(array)) return BrokenJson(error, 0);
    METRIFY_RETURN_IF_ERROR(ReadArray(array, a));
  } else if (type == od::json_type::object) {
    od::object object;
    if (error_code error = doc.get_object().get(object)) return BrokenJson(error, 0);
    a->Begin(0, 0);
    ItemReader reader{*a};
    if (error_code error = reader.ReadObject(object)) return BrokenJson(error, 0);
    a->Finish();
  } else {
    return Status::InvalidArgument("request body must be a JSON array of objects, or one object");
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("request body has text after its JSON value, at byte {}", rest - data));
  }
  return Status::Ok();
}

Status ReadNdjsonItems(const char* data, size_t size, size_t capacity, SampleAssembler* a) {
  size_t pos = 0;
  size_t line = 0;
  size_t index = 0;
  while (pos < size) {
    const char* begin = data + pos;
    const void* newline = std::memchr(begin, '\n', size - pos);
    size_t length = newline ? static_cast<const char*>(newline) - begin : size - pos;
    pos += length + 1;
    ++line;
    std::string_view text(begin, length);
    if (IsBlank(text)) continue;
    a->Begin(index++, line);
    ReadNdjsonLine(text, capacity - static_cast<size_t>(begin - data), a);
    a->Finish();
  }
  return Status::Ok();
}

void ReleaseThreadJsonParser() { ThreadParserSlot().reset(); }

}  // namespace metrify::parse
