// Builders for FieldSpec<T>. Each takes an accessor, a generic lambda
// `[](auto& e) -> auto& { return e.member; }`, so one expression serves both
// the const getter and the validating setter.
#pragma once

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "model/field.h"

namespace metrify::model {

inline constexpr size_t kMaxTextLength = 512;

template <typename T>
FieldSpec<T> MakeSpec(std::string name, FieldKind kind) {
  FieldSpec<T> f;
  f.name = std::move(name);
  f.kind = kind;
  return f;
}

template <typename T, typename Access>
FieldSpec<T> IdField(std::string name, Access access) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kId);
  f.required = true;
  f.get = [access](const T& e) -> FieldValue { return access(e); };
  f.set = [access, name](T& e, const FieldValue& v) -> std::optional<FieldError> {
    const auto* text = std::get_if<std::string>(&v);
    if (!text) return WrongType(name, "a string", v);
    if (auto error = CheckId(name, *text)) return error;
    access(e) = *text;
    return std::nullopt;
  };
  return f;
}

template <typename T, typename Access>
FieldSpec<T> TextField(std::string name, Access access) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kText);
  f.get = [access](const T& e) -> FieldValue {
    const std::string& s = access(e);
    return s.empty() ? FieldValue() : FieldValue(s);
  };
  f.set = [access, name](T& e, const FieldValue& v) -> std::optional<FieldError> {
    if (std::holds_alternative<std::monostate>(v)) {
      access(e).clear();
      return std::nullopt;
    }
    const auto* text = std::get_if<std::string>(&v);
    if (!text) return WrongType(name, "a string", v);
    if (size_t length = Utf8Length(*text); length > kMaxTextLength) {
      return FieldError{
          name, "too_long",
          fmt::format("{} is {} characters long; the limit is {}", name, length, kMaxTextLength)};
    }
    access(e) = *text;
    return std::nullopt;
  };
  return f;
}

// A required text field refuses null and the empty string.
template <typename T, typename Access>
FieldSpec<T> NameField(std::string name, Access access) {
  FieldSpec<T> f = TextField<T>(name, access);
  f.required = true;
  auto plain_set = f.set;
  f.set = [plain_set, name](T& e, const FieldValue& v) -> std::optional<FieldError> {
    const auto* text = std::get_if<std::string>(&v);
    if (!text || Trim(*text).empty()) {
      if (!text && !std::holds_alternative<std::monostate>(v))
        return WrongType(name, "a string", v);
      return FieldError{name, "required", name + " must not be empty"};
    }
    return plain_set(e, v);
  };
  return f;
}

// A number. The accessor may yield std::optional<double> (null clears it) or
// double (null restores `fallback`).
template <typename T, typename Access>
FieldSpec<T> NumberField(std::string name, Access access, double min, double max,
                         double fallback = 0) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kNumber);
  f.min = min;
  f.max = max;
  using Target = std::remove_cvref_t<decltype(access(std::declval<T&>()))>;
  constexpr bool kOptional = !std::is_same_v<Target, double>;
  f.get = [access](const T& e) -> FieldValue {
    if constexpr (kOptional) {
      const std::optional<double>& d = access(e);
      return d ? FieldValue(*d) : FieldValue();
    } else {
      return FieldValue(access(e));
    }
  };
  f.set = [=](T& e, const FieldValue& v) -> std::optional<FieldError> {
    if (std::holds_alternative<std::monostate>(v)) {
      if constexpr (kOptional) {
        access(e).reset();
      } else {
        access(e) = fallback;
      }
      return std::nullopt;
    }
    double d;
    if (const auto* x = std::get_if<double>(&v)) {
      d = *x;
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      d = static_cast<double>(*i);
    } else {
      return WrongType(name, "a number", v);
    }
    if (!std::isfinite(d) || d < min || d > max) {
      return FieldError{name, "out_of_range",
                        fmt::format("{} must be between {} and {}, got {}", name, min, max, d)};
    }
    access(e) = d;
    return std::nullopt;
  };
  return f;
}

// A whole number with a default: null restores `fallback`.
template <typename T, typename Access>
FieldSpec<T> IntegerField(std::string name, Access access, int64_t min, int64_t max,
                          int64_t fallback) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kInteger);
  f.min = static_cast<double>(min);
  f.max = static_cast<double>(max);
  f.get = [access](const T& e) -> FieldValue { return static_cast<int64_t>(access(e)); };
  f.set = [=](T& e, const FieldValue& v) -> std::optional<FieldError> {
    int64_t n;
    if (std::holds_alternative<std::monostate>(v)) {
      n = fallback;
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      n = *i;
    } else if (const auto* x = std::get_if<double>(&v);
               x && std::floor(*x) == *x && std::abs(*x) < 9e15) {
      n = static_cast<int64_t>(*x);
    } else {
      return WrongType(name, "a whole number", v);
    }
    if (n < min || n > max) {
      return FieldError{name, "out_of_range",
                        fmt::format("{} must be between {} and {}, got {}", name, min, max, n)};
    }
    access(e) = static_cast<std::remove_reference_t<decltype(access(e))>>(n);
    return std::nullopt;
  };
  return f;
}

// An enum; null restores `fallback`.
template <typename T, typename E, typename Access>
FieldSpec<T> EnumField(std::string name, Access access, E fallback) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kEnum);
  for (const auto& [value, wire] : EnumNames<E>::kNames) f.choices.emplace_back(wire);
  f.get = [access](const T& e) -> FieldValue { return std::string(EnumName(access(e))); };
  f.set = [access, name, fallback](T& e, const FieldValue& v) -> std::optional<FieldError> {
    if (std::holds_alternative<std::monostate>(v)) {
      access(e) = fallback;
      return std::nullopt;
    }
    const auto* text = std::get_if<std::string>(&v);
    if (!text) return WrongType(name, "a string", v);
    std::optional<E> parsed = ParseEnum<E>(Trim(*text));
    if (!parsed) {
      return FieldError{
          name, "invalid_choice",
          fmt::format("{} must be one of {}, got \"{}\"", name, EnumChoices<E>(), *text)};
    }
    access(e) = *parsed;
    return std::nullopt;
  };
  return f;
}

// A text field whose value must pass `check` (date, time zone, ...); null
// restores `fallback`.
template <typename T, typename Access, typename Check>
FieldSpec<T> CheckedTextField(std::string name, FieldKind kind, Access access, Check check,
                              std::string fallback = "") {
  FieldSpec<T> f = MakeSpec<T>(name, kind);
  f.get = [access](const T& e) -> FieldValue {
    const std::string& s = access(e);
    return s.empty() ? FieldValue() : FieldValue(s);
  };
  f.set = [=](T& e, const FieldValue& v) -> std::optional<FieldError> {
    if (std::holds_alternative<std::monostate>(v)) {
      access(e) = fallback;
      return std::nullopt;
    }
    const auto* text = std::get_if<std::string>(&v);
    if (!text) return WrongType(name, "a string", v);
    if (auto error = check(name, *text)) return error;
    access(e) = *text;
    return std::nullopt;
  };
  return f;
}

// Text from a fixed list, matched case-insensitively and stored in the
// list's spelling ("g25" is stored as "G25"); null or "" clears it.
template <typename T, typename Access>
FieldSpec<T> ChoiceField(std::string name, Access access, std::vector<std::string> choices) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kText);
  f.choices = choices;
  f.get = [access](const T& e) -> FieldValue {
    const std::string& s = access(e);
    return s.empty() ? FieldValue() : FieldValue(s);
  };
  f.set = [access, name, choices](T& e, const FieldValue& v) -> std::optional<FieldError> {
    const auto* text = std::get_if<std::string>(&v);
    if (std::holds_alternative<std::monostate>(v) || (text && Trim(*text).empty())) {
      access(e).clear();
      return std::nullopt;
    }
    if (!text) return WrongType(name, "a string", v);
    for (const std::string& choice : choices) {
      if (EqualsIgnoreCase(choice, Trim(*text))) {
        access(e) = choice;
        return std::nullopt;
      }
    }
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + c;
    return FieldError{name, "invalid_choice",
                      fmt::format("{} must be one of {}, got \"{}\"", name, list, *text)};
  };
  return f;
}

// A JSON object kept as text; null stores "{}".
template <typename T, typename Access>
FieldSpec<T> ObjectField(std::string name, Access access) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kObject);
  f.get = [access](const T& e) -> FieldValue { return JsonText{access(e)}; };
  f.set = [access, name](T& e, const FieldValue& v) -> std::optional<FieldError> {
    if (std::holds_alternative<std::monostate>(v)) {
      access(e) = "{}";
      return std::nullopt;
    }
    const auto* json = std::get_if<JsonText>(&v);
    if (!json || json->text.empty() || json->text.front() != '{') {
      return WrongType(name, "an object", v);
    }
    if (json->text.size() > 16 * kMaxTextLength) {
      return FieldError{name, "too_long", name + " is larger than 8 KiB"};
    }
    access(e) = json->text;
    return std::nullopt;
  };
  return f;
}

// A server-managed instant; clients cannot set it.
template <typename T, typename Access>
FieldSpec<T> TimestampField(std::string name, Access access) {
  FieldSpec<T> f = MakeSpec<T>(name, FieldKind::kTimestamp);
  f.writable = false;
  f.get = [access](const T& e) -> FieldValue { return static_cast<int64_t>(access(e)); };
  f.set = [access, name](T& e, const FieldValue& v) -> std::optional<FieldError> {
    const auto* i = std::get_if<int64_t>(&v);
    if (!i) return WrongType(name, "a timestamp", v);
    access(e) = *i;
    return std::nullopt;
  };
  return f;
}

}  // namespace metrify::model
