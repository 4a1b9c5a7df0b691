// KeyTranslation: one registry table's integer keys on both sides of a
// copy. The embedded store and PostgreSQL each assign their own keys, so a
// series row or an edit travels by its entity's id: source key -> id ->
// target key.
//
// Not thread-safe; filled by the registry copy, then only read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace metrify::store::migrate_copy {

struct KeyTranslation {
  std::unordered_map<uint32_t, std::string> source_ids;   // embedded key -> id
  std::unordered_map<std::string, uint32_t> target_keys;  // id -> PostgreSQL key

  // The id of embedded key `key`; null for a key no entity has (deleted).
  const std::string* SourceId(uint32_t key) const {
    auto found = source_ids.find(key);
    return found == source_ids.end() ? nullptr : &found->second;
  }
  // The PostgreSQL key of embedded key `key`; nullopt for a key no entity
  // has, or one not copied.
  std::optional<uint32_t> Translate(uint32_t key) const {
    const std::string* id = SourceId(key);
    if (id == nullptr) return std::nullopt;
    auto found = target_keys.find(*id);
    if (found == target_keys.end()) return std::nullopt;
    return found->second;
  }
  // Every embedded key, ascending.
  std::vector<uint32_t> SourceKeys() const {
    std::vector<uint32_t> keys;
    keys.reserve(source_ids.size());
    for (const auto& [key, id] : source_ids) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    return keys;
  }
};

// The three registry tables' translations.
struct RegistryKeys {
  KeyTranslation grid_operators;
  KeyTranslation weather_stations;
  KeyTranslation meters;
};

}  // namespace metrify::store::migrate_copy
