// RegistryStore: where meters, grid operators and weather stations live.
// Embedded mode keeps them in SQLite (store/sqlite/); scaled mode will keep
// them in PostgreSQL behind this same interface.
//
// Thread safety: every method may be called from any thread.
// Durability: a write has been committed when the method returns OK.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "model/field.h"
#include "model/grid_operator.h"
#include "model/meter.h"
#include "model/weather_station.h"

namespace metrify::store {

// A page of a filtered, id-ordered listing.
struct ListQuery {
  // Equality filters by field name; text compares case-insensitively.
  std::vector<std::pair<std::string, model::FieldValue>> filters;
  int64_t page = 1;  // 1-based
  int64_t page_size = 100;
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total_count = 0;  // matching entities over all pages
};

// CRUD for one entity type. Ids are compared exactly (case-sensitive).
template <typename T>
class EntityRepository {
 public:
  virtual ~EntityRepository() = default;

  // Inserts `entity`, setting its created_at and updated_at.
  // Errors: AlreadyExists (same id); InvalidArgument with details when a
  // referenced entity (grid_operator_id, ...) does not exist.
  virtual Status Create(T& entity) = 0;
  // Errors: NotFound.
  virtual Result<T> Get(std::string_view id) = 0;
  virtual Result<Page<T>> List(const ListQuery& query) = 0;
  // Replaces the stored entity with the same id, keeping created_at and
  // setting updated_at. Errors: NotFound; InvalidArgument for references.
  virtual Status Update(T& entity) = 0;
  // Errors: NotFound; Conflict when other entities still refer to it.
  virtual Status Delete(std::string_view id) = 0;

  // The dense integer key the readings engine stores instead of the id. It
  // is assigned at create and never reused while the entity exists.
  // Errors: NotFound.
  virtual Result<uint32_t> KeyOf(std::string_view id) = 0;
  // Every (id, key) pair, for building the engine's lookup table at start.
  virtual Result<std::vector<std::pair<std::string, uint32_t>>> AllKeys() = 0;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  virtual EntityRepository<model::Meter>& meters() = 0;
  virtual EntityRepository<model::GridOperator>& grid_operators() = 0;
  virtual EntityRepository<model::WeatherStation>& weather_stations() = 0;

  // The id of the active weather station nearest to a point, or "" when
  // there is none.
  virtual Result<std::string> NearestWeatherStation(double latitude, double longitude) = 0;

  // Runs a trivial query, for health checks. OK when the store answers.
  virtual Status Ping() = 0;
  // Highest applied schema migration.
  virtual int SchemaVersion() const = 0;
};

// Repositories share these messages so the API speaks the same everywhere.
inline Status EntityNotFound(std::string_view noun, std::string_view id) {
  return Status::NotFound(std::string(noun) + " \"" + std::string(id) + "\" not found");
}

}  // namespace metrify::store
