// Registry entities (meters, grid operators, weather stations) handled
// generically: EntityTraits<T> names each one and points at its field table;
// ApplyValues() writes a set of named values onto an entity with the rules of
// create, replace and patch, collecting every problem rather than the first.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "model/field.h"
#include "model/grid_operator.h"
#include "model/meter.h"
#include "model/weather_station.h"

namespace metrify::model {

template <typename T>
struct EntityTraits;

template <>
struct EntityTraits<Meter> {
  static constexpr std::string_view kNoun = "meter";    // in messages: "meter SM1 not found"
  static constexpr std::string_view kTable = "meters";  // registry table
  static const std::vector<FieldSpec<Meter>>& Fields() { return MeterFields(); }
  static std::vector<FieldError> Validate(const Meter& m) { return ValidateMeter(m); }
};

template <>
struct EntityTraits<GridOperator> {
  static constexpr std::string_view kNoun = "grid operator";
  static constexpr std::string_view kTable = "grid_operators";
  static const std::vector<FieldSpec<GridOperator>>& Fields() { return GridOperatorFields(); }
  static std::vector<FieldError> Validate(const GridOperator& g) { return ValidateGridOperator(g); }
};

template <>
struct EntityTraits<WeatherStation> {
  static constexpr std::string_view kNoun = "weather station";
  static constexpr std::string_view kTable = "weather_stations";
  static const std::vector<FieldSpec<WeatherStation>>& Fields() { return WeatherStationFields(); }
  static std::vector<FieldError> Validate(const WeatherStation& w) {
    return ValidateWeatherStation(w);
  }
};

// Values by field name, in the order the client gave them.
using FieldValues = std::vector<std::pair<std::string, FieldValue>>;

enum class ApplyMode {
  kCreate,   // a new entity: required fields must be present
  kReplace,  // PUT: like create, on an entity whose id is fixed
  kPatch,    // PATCH: only the given fields change
};

template <typename T>
const FieldSpec<T>* FindField(std::string_view name) {
  for (const FieldSpec<T>& f : EntityTraits<T>::Fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Applies `values` to `entity`. Unknown names, wrong types, out-of-range
// values, missing required fields and a changed id are all reported, each
// naming its field. Server-managed fields (created_at, ...) are ignored so a
// client can send back what it read. On error `entity` may be partly
// changed: callers apply to a copy.
template <typename T>
std::vector<FieldError> ApplyValues(T& entity, const FieldValues& values, ApplyMode mode) {
  std::vector<FieldError> errors;
  const std::string original_id = entity.id;
  for (const auto& [name, value] : values) {
    const FieldSpec<T>* field = FindField<T>(name);
    if (field == nullptr) {
      errors.push_back({name, "unknown_field",
                        fmt::format("{} has no field \"{}\"", EntityTraits<T>::kNoun, name)});
      continue;
    }
    if (!field->writable) continue;
    if (auto error = field->set(entity, value)) errors.push_back(std::move(*error));
  }
  if (mode != ApplyMode::kCreate && entity.id != original_id) {
    errors.push_back({"id", "immutable",
                      fmt::format("id cannot be changed (path says \"{}\", body says \"{}\")",
                                  original_id, entity.id)});
  }
  if (mode != ApplyMode::kPatch) {
    for (const FieldSpec<T>& f : EntityTraits<T>::Fields()) {
      if (!f.required || (f.kind == FieldKind::kId && mode == ApplyMode::kReplace)) continue;
      bool given = false;
      for (const FieldError& e : errors) given = given || e.field == f.name;  // said already
      for (const auto& [name, value] : values) {
        given = given || (name == f.name && !std::holds_alternative<std::monostate>(value));
      }
      if (!given) errors.push_back({f.name, "required", f.name + " is required"});
    }
  }
  if (errors.empty()) errors = EntityTraits<T>::Validate(entity);
  return errors;
}

}  // namespace metrify::model
