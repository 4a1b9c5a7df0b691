// EntityKeys: entity id -> the registry's dense integer key, per series
// kind, for the ingest and query paths. The engine stores keys, never ids,
// and a SQLite lookup per reading would cost more than the rest of ingest.
//
// Filled from RegistryStore::AllKeys at start; a miss asks the store (an
// entity created since) and remembers the answer; Forget drops an id whose
// entity was deleted, so a new entity with the same id gets its new key.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "model/series.h"
#include "registry/registry.h"
#include "store/registry_store.h"

namespace metrify::ingest {

class EntityKeys {
 public:
  // `store` must outlive this.
  explicit EntityKeys(store::RegistryStore& store) : store_(store) {}

  // Loads every kind's (id, key) pairs. Errors from the store.
  Status Load();

  // The key of `id`, or nullopt when no such entity exists. Errors: the
  // store failed.
  Result<std::optional<uint32_t>> Find(model::SeriesKind kind, std::string_view id);
  // The id of `key`, or "" when unknown (for answers that name entities).
  std::string IdOf(model::SeriesKind kind, uint32_t key) const;
  // Every (id, key) of `kind` known now, ascending by id. The list is built
  // once per change and shared, so fleet reads do not copy 100,000 ids.
  using Sorted = std::shared_ptr<const std::vector<std::pair<std::string, uint32_t>>>;
  Sorted All(model::SeriesKind kind) const;

  void Forget(model::SeriesKind kind, std::string_view id);

  // Follows the registry's changes (registry::Registry::ChangeListener): a
  // created entity is looked up and cached, a deleted one forgotten, so
  // fleet reads list every registered entity and a re-created id gets its
  // new key.
  void Follow(registry::Registry& registry);

 private:
  struct Table {
    std::unordered_map<std::string, uint32_t> keys;
    std::unordered_map<uint32_t, std::string> ids;
    mutable Sorted sorted;  // null when keys changed since it was built
  };
  Table& TableOf(model::SeriesKind kind) {
    return tables_[static_cast<int>(model::EntityKindOf(kind)) - 1];
  }
  const Table& TableOf(model::SeriesKind kind) const {
    return tables_[static_cast<int>(model::EntityKindOf(kind)) - 1];
  }
  Result<uint32_t> KeyFromStore(model::SeriesKind kind, std::string_view id);
  Result<std::vector<std::pair<std::string, uint32_t>>> AllFromStore(model::SeriesKind kind);

  store::RegistryStore& store_;
  mutable std::shared_mutex mu_;
  Table tables_[3];  // by SeriesKind - 1; guarded by mu_
};

// "meter", "grid operator", "weather station": the noun of a kind's entity.
std::string_view EntityNounOf(model::SeriesKind kind);

}  // namespace metrify::ingest
