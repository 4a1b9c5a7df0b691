// FieldSpec<T>: one field of a registry entity (meter, grid operator, weather
// station) described once: its wire name, kind, constraints and how to read
// and write it on the typed struct. The API's JSON reader and writer, the
// CSV importer, list filters, the SQLite columns and the OpenAPI schema are
// all driven by these tables, so a field is added in exactly one place.
//
// Setters validate: a value of the wrong JSON type or out of range is refused
// with a FieldError that names the field, and the entity is left unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "model/enums.h"

namespace metrify::model {

// A JSON object or array kept as compact text (entity metadata).
struct JsonText {
  std::string text;
  bool operator==(const JsonText&) const = default;
};

// A field's value in transit. monostate is JSON null / "not set".
using FieldValue = std::variant<std::monostate, std::string, double, int64_t, bool, JsonText>;

enum class FieldKind {
  kId,         // user-given identifier; immutable after create
  kText,       // free text
  kNumber,     // floating point, optional
  kInteger,    // whole number
  kEnum,       // one of `choices`, case-insensitive on input
  kDate,       // calendar date "YYYY-MM-DD"
  kTimeZone,   // IANA time zone name, e.g. "Europe/Berlin"
  kObject,     // JSON object (metadata)
  kTimestamp,  // server-managed instant, epoch milliseconds; RFC 3339 UTC on the wire
};

// A problem with one field; code is "required", "wrong_type", "out_of_range",
// "invalid_choice", ...
using FieldError = StatusDetail;

template <typename T>
struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::kText;
  std::string description;
  std::vector<std::string> choices;  // allowed values of a kEnum (or suggestions of a kText)
  std::optional<double> min, max;    // inclusive range of kNumber / kInteger
  bool required = false;             // must be given on create and on replace (PUT)
  bool writable = true;              // false: managed by the server (created_at)
  std::string filter_param;          // list query parameter that filters by equality; "" = none
  std::string references;            // registry table the value must exist in; "" = none

  std::function<FieldValue(const T&)> get;
  // Stores `value` after checking type and range; nullopt on success.
  std::function<std::optional<FieldError>(T&, const FieldValue&)> set;

  FieldSpec& Required() {
    required = true;
    return *this;
  }
  FieldSpec& Filter(std::string param) {
    filter_param = std::move(param);
    return *this;
  }
  FieldSpec& References(std::string table) {
    references = std::move(table);
    return *this;
  }
  FieldSpec& Describe(std::string text) {
    description = std::move(text);
    return *this;
  }
};

// The JSON type name of a value, for "expected a number, got a string".
std::string_view ValueTypeName(const FieldValue& value);

// Converts text (a CSV cell, a query parameter) into the value a field of
// `kind` expects: "12.5" becomes a number for kNumber, "" becomes null.
// Returns an error naming `field` when the text cannot be that kind.
std::variant<FieldValue, FieldError> ParseFieldText(const std::string& field, FieldKind kind,
                                                    std::string_view text);

// True when `id` is 1-64 of [A-Za-z0-9._-] starting with a letter or digit:
// the one rule for registry ids, also applied to ids in ingested readings.
bool IsValidId(std::string_view id);

// Checks shared by the setters; each returns nullopt when the value is fine.
std::optional<FieldError> CheckId(const std::string& field, std::string_view id);
std::optional<FieldError> CheckDate(const std::string& field, std::string_view date);
std::optional<FieldError> CheckTimeZone(const std::string& field, std::string_view zone);
FieldError WrongType(const std::string& field, std::string_view expected, const FieldValue& got);

}  // namespace metrify::model
