// Registry field values in PostgreSQL columns (pg_entity_repository.h).
// Values travel as text parameters with an explicit cast, because INSERT
// ... SELECT and comparisons cannot infer a parameter's type from a column.
#include "store/postgres/pg_entity_repository.h"

#include <charconv>
#include <string>
#include <variant>

#include <simdjson.h>

#include "common/strings.h"

namespace metrify::store::pg_field {

namespace {

bool IsNumeric(model::FieldKind kind) {
  return kind == model::FieldKind::kNumber || kind == model::FieldKind::kInteger ||
         kind == model::FieldKind::kTimestamp;
}

std::string Placeholder(const std::optional<std::string>& text, PgParamList& params) {
  params.push_back(text);
  return fmt::format("${}", params.size());
}

// SQLite's NOCASE folds A-Z only. lower() in the C collation does exactly
// that (in any other it may fold "Ö" too), and v6 indexes this very
// expression on every filterable column that has an index.
std::string FoldedEquals(std::string_view column, std::string_view placeholder) {
  return fmt::format("lower({} COLLATE \"C\") = lower({}::text COLLATE \"C\")", column,
                     placeholder);
}

// A number as SQLite compares it with a column: numeric text counts as the
// number (numeric affinity), anything else never equals a number.
std::optional<double> AsNumber(const model::FieldValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  if (const auto* s = std::get_if<std::string>(&value)) return ParseDouble(Trim(*s));
  if (const auto* j = std::get_if<model::JsonText>(&value)) return ParseDouble(Trim(j->text));
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ToText(const model::FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::optional<std::string> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<V, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<V, double>) {
          return fmt::format("{}", v);  // shortest text that reads back as the same double
        } else if constexpr (std::is_same_v<V, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<V, bool>) {
          return v ? "1" : "0";  // as SQLite binds it
        } else {
          return v.text;
        }
      },
      value);
}

std::optional<model::FieldValue> FromText(model::FieldKind kind, std::string_view text) {
  const char* end = text.data() + text.size();
  switch (kind) {
    case model::FieldKind::kNumber: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, d);
      if (ec != std::errc() || ptr != end) return std::nullopt;
      return model::FieldValue(d);
    }
    case model::FieldKind::kInteger:
    case model::FieldKind::kTimestamp: {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, i);
      if (ec != std::errc() || ptr != end) return std::nullopt;
      return model::FieldValue(i);
    }
    case model::FieldKind::kObject:
      return model::FieldValue(model::JsonText{std::string(text)});
    default:
      return model::FieldValue(std::string(text));
  }
}

// Every text kind, metadata included, is a TEXT column (metadata since v6).
std::string WriteExpr(model::FieldKind kind, std::string_view placeholder) {
  switch (kind) {
    case model::FieldKind::kNumber:
      return fmt::format("{}::float8", placeholder);
    case model::FieldKind::kInteger:
    case model::FieldKind::kTimestamp:
      return fmt::format("{}::int8", placeholder);
    default:
      return fmt::format("{}::text", placeholder);
  }
}

// SQLite compares a bound value with a column by its affinity: text with a
// number column as a number when it looks like one, a number with a text
// column as text (SQLite spells some doubles differently: 1.0, not 1), and a
// string (not a JsonText) with NOCASE.
std::string EqualsCondition(std::string_view name, model::FieldKind kind,
                            const model::FieldValue& value, PgParamList& params) {
  if (std::holds_alternative<std::monostate>(value)) return "FALSE";
  if (IsNumeric(kind)) {
    std::optional<double> number = AsNumber(value);
    if (!number) return "FALSE";
    return fmt::format("{} = {}::float8", name, Placeholder(ToText(*number), params));
  }
  std::optional<std::string> text = ToText(value);
  // PostgreSQL holds no such text, so nothing stored can equal it.
  if (!Storable(*text)) return "FALSE";
  if (std::holds_alternative<std::string>(value)) {
    return FoldedEquals(name, Placeholder(text, params));
  }
  return fmt::format("{} = {}::text", name, Placeholder(text, params));
}

bool Storable(std::string_view text) {
  return text.find('\0') == std::string_view::npos &&
         simdjson::validate_utf8(text.data(), text.size());
}

std::optional<StatusDetail> UnstorableDetail(const std::string& name,
                                             const model::FieldValue& value) {
  const std::string* text = std::get_if<std::string>(&value);
  if (const auto* json = std::get_if<model::JsonText>(&value)) text = &json->text;
  if (text == nullptr || Storable(*text)) return std::nullopt;
  if (text->find('\0') != std::string::npos) {
    return StatusDetail{name, "invalid_character", name + " must not contain a NUL character"};
  }
  return StatusDetail{name, "invalid_encoding", name + " is not valid UTF-8"};
}

}  // namespace metrify::store::pg_field
