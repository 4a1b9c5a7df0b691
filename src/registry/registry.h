// Registry: the rules of creating, replacing, patching and deleting meters,
// grid operators and weather stations, on top of a RegistryStore. The API,
// the CLI's import and later the simulator all go through it, so validation
// and defaults (a meter's nearest weather station) are the same everywhere.
//
// Thread safety: as thread-safe as the store (SqliteRegistry is).
#pragma once

#include <functional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"
#include "model/entity.h"
#include "store/registry_store.h"

namespace metrify::registry {

class Registry {
 public:
  // `store` must outlive the registry.
  explicit Registry(store::RegistryStore& store) : store_(store) {}

  // Told after every successful create, update and delete, with the
  // entity's noun ("meter", "grid operator", "weather station") and id:
  // caches keyed by id (the ingest path's key table, VEE's meter details)
  // stay in step. Add before use; called on the thread that made the change.
  enum class Change { kCreated, kUpdated, kDeleted };
  using ChangeListener =
      std::function<void(std::string_view noun, std::string_view id, Change change)>;
  void add_listener(ChangeListener listener) { listeners_.push_back(std::move(listener)); }

  // Creates an entity from named values. Errors: InvalidArgument with a
  // detail per bad field; AlreadyExists. Durable on return.
  template <typename T>
  Result<T> Create(const model::FieldValues& values) {
    T entity;
    METRIFY_RETURN_IF_ERROR(Apply(entity, values, model::ApplyMode::kCreate));
    Complete(entity);
    METRIFY_RETURN_IF_ERROR(Repo<T>().Create(entity));
    Notify<T>(entity.id, Change::kCreated);
    return entity;
  }

  // Replaces every writable field (PUT): fields not given take defaults.
  // Errors: NotFound; InvalidArgument with details.
  template <typename T>
  Result<T> Replace(std::string_view id, const model::FieldValues& values) {
    METRIFY_ASSIGN_OR_RETURN(T stored, Repo<T>().Get(id));
    T entity;
    entity.id = stored.id;
    METRIFY_RETURN_IF_ERROR(Apply(entity, values, model::ApplyMode::kReplace));
    Complete(entity);
    METRIFY_RETURN_IF_ERROR(Repo<T>().Update(entity));
    Notify<T>(entity.id, Change::kUpdated);
    return entity;
  }

  // Changes only the given fields (PATCH). Errors as Replace.
  template <typename T>
  Result<T> Patch(std::string_view id, const model::FieldValues& values) {
    METRIFY_ASSIGN_OR_RETURN(T entity, Repo<T>().Get(id));
    METRIFY_RETURN_IF_ERROR(Apply(entity, values, model::ApplyMode::kPatch));
    METRIFY_RETURN_IF_ERROR(Repo<T>().Update(entity));
    Notify<T>(entity.id, Change::kUpdated);
    return entity;
  }

  template <typename T>
  Result<T> Get(std::string_view id) {
    return Repo<T>().Get(id);
  }

  template <typename T>
  Result<store::Page<T>> List(const store::ListQuery& query) {
    return Repo<T>().List(query);
  }

  // Errors: NotFound; Conflict while meters still refer to it.
  template <typename T>
  Status Delete(std::string_view id) {
    METRIFY_RETURN_IF_ERROR(Repo<T>().Delete(id));
    Notify<T>(id, Change::kDeleted);
    return Status::Ok();
  }

  store::RegistryStore& store() { return store_; }

 private:
  template <typename T>
  void Notify(std::string_view id, Change change) {
    for (const ChangeListener& listener : listeners_)
      listener(model::EntityTraits<T>::kNoun, id, change);
  }

  template <typename T>
  Status Apply(T& entity, const model::FieldValues& values, model::ApplyMode mode) {
    std::vector<model::FieldError> errors = model::ApplyValues(entity, values, mode);
    if (errors.empty()) return Status::Ok();
    std::string message = errors.size() == 1
                              ? errors.front().message
                              : std::to_string(errors.size()) + " fields are invalid";
    return Status::InvalidFields(std::move(message), std::move(errors));
  }

  // Defaults that need the registry: a meter with a location and no weather
  // station gets the nearest active one.
  template <typename T>
  void Complete(T& entity) {
    if constexpr (std::is_same_v<T, model::Meter>) {
      if (entity.weather_station_id.empty() && entity.latitude && entity.longitude) {
        auto nearest = store_.NearestWeatherStation(*entity.latitude, *entity.longitude);
        if (nearest.has_value()) entity.weather_station_id = *nearest;
      }
    }
  }

  template <typename T>
  store::EntityRepository<T>& Repo() {
    if constexpr (std::is_same_v<T, model::Meter>) {
      return store_.meters();
    } else if constexpr (std::is_same_v<T, model::GridOperator>) {
      return store_.grid_operators();
    } else {
      return store_.weather_stations();
    }
  }

  store::RegistryStore& store_;
  std::vector<ChangeListener> listeners_;
};

}  // namespace metrify::registry
