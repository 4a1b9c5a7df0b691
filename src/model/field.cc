#include "model/field.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "common/time.h"

namespace metrify::model {

std::string_view ValueTypeName(const FieldValue& value) {
  switch (value.index()) {
    case 0:
      return "null";
    case 1:
      return "a string";
    case 2:
      return "a number";
    case 3:
      return "a number";
    case 4:
      return "a boolean";
    case 5:
      return std::get<JsonText>(value).text.starts_with('[') ? "an array" : "an object";
  }
  return "unknown";
}

FieldError WrongType(const std::string& field, std::string_view expected, const FieldValue& got) {
  return FieldError{field, "wrong_type",
                    fmt::format("{} must be {}, got {}", field, expected, ValueTypeName(got))};
}

std::variant<FieldValue, FieldError> ParseFieldText(const std::string& field, FieldKind kind,
                                                    std::string_view text) {
  text = Trim(text);
  if (text.empty()) return FieldValue();
  switch (kind) {
    case FieldKind::kNumber:
      if (auto d = ParseDouble(text)) return FieldValue(*d);
      return FieldError{field, "wrong_type",
                        fmt::format("{} must be a number, got \"{}\"", field, text)};
    case FieldKind::kInteger:
    case FieldKind::kTimestamp:
      if (auto i = ParseInt(text)) return FieldValue(static_cast<int64_t>(*i));
      return FieldError{field, "wrong_type",
                        fmt::format("{} must be a whole number, got \"{}\"", field, text)};
    case FieldKind::kObject:
      return FieldValue(JsonText{std::string(text)});
    default:
      return FieldValue(std::string(text));
  }
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id[0])) return false;
  for (char c : id) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::optional<FieldError> CheckId(const std::string& field, std::string_view id) {
  if (IsValidId(id)) return std::nullopt;
  return FieldError{field, "invalid_id",
                    fmt::format("{} must be 1-64 characters of letters, digits, '-', '_' or '.', "
                                "starting with a letter or digit; got \"{}\"",
                                field, id)};
}

std::optional<FieldError> CheckDate(const std::string& field, std::string_view date) {
  if (ParseCivilDate(date)) return std::nullopt;
  return FieldError{field, "invalid_date",
                    fmt::format("{} must be a calendar date YYYY-MM-DD, got \"{}\"", field, date)};
}

std::optional<FieldError> CheckTimeZone(const std::string& field, std::string_view zone) {
  if (IsKnownTimeZone(zone)) return std::nullopt;
  return FieldError{
      field, "invalid_time_zone",
      fmt::format("{} must be an IANA time zone such as Europe/Berlin, got \"{}\"", field, zone)};
}

}  // namespace metrify::model
