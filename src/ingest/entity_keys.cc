#include "ingest/entity_keys.h"

#include <algorithm>
#include <mutex>

namespace metrify::ingest {

std::string_view EntityNounOf(model::SeriesKind kind) {
  switch (model::EntityKindOf(kind)) {
    case model::SeriesKind::kReading:
    case model::SeriesKind::kVeeOverlay:
      return model::EntityTraits<model::Meter>::kNoun;
    case model::SeriesKind::kGridStatus:
      return model::EntityTraits<model::GridOperator>::kNoun;
    case model::SeriesKind::kObservation:
      return model::EntityTraits<model::WeatherStation>::kNoun;
  }
  return "entity";
}

Result<uint32_t> EntityKeys::KeyFromStore(model::SeriesKind kind, std::string_view id) {
  switch (model::EntityKindOf(kind)) {
    case model::SeriesKind::kReading:
    case model::SeriesKind::kVeeOverlay:
      return store_.meters().KeyOf(id);
    case model::SeriesKind::kGridStatus:
      return store_.grid_operators().KeyOf(id);
    case model::SeriesKind::kObservation:
      return store_.weather_stations().KeyOf(id);
  }
  return Status::Internal("unknown series kind");
}

Result<std::vector<std::pair<std::string, uint32_t>>> EntityKeys::AllFromStore(
    model::SeriesKind kind) {
  switch (model::EntityKindOf(kind)) {
    case model::SeriesKind::kReading:
    case model::SeriesKind::kVeeOverlay:
      return store_.meters().AllKeys();
    case model::SeriesKind::kGridStatus:
      return store_.grid_operators().AllKeys();
    case model::SeriesKind::kObservation:
      return store_.weather_stations().AllKeys();
  }
  return Status::Internal("unknown series kind");
}

Status EntityKeys::Load() {
  for (model::SeriesKind kind : {model::SeriesKind::kReading, model::SeriesKind::kGridStatus,
                                 model::SeriesKind::kObservation}) {
    METRIFY_ASSIGN_OR_RETURN(auto pairs, AllFromStore(kind));
    std::unique_lock lock(mu_);
    Table& table = TableOf(kind);
    for (auto& [id, key] : pairs) {
      table.ids[key] = id;
      table.keys[std::move(id)] = key;
    }
    table.sorted.reset();
  }
  return Status::Ok();
}

Result<std::optional<uint32_t>> EntityKeys::Find(model::SeriesKind kind, std::string_view id) {
  {
    std::shared_lock lock(mu_);
    const Table& table = TableOf(kind);
    auto found = table.keys.find(std::string(id));
    if (found != table.keys.end()) return std::optional<uint32_t>(found->second);
  }
  Result<uint32_t> key = KeyFromStore(kind, id);
  if (!key && key.error().code() == StatusCode::kNotFound) return std::optional<uint32_t>();
  if (!key) return key.error();
  std::unique_lock lock(mu_);
  Table& table = TableOf(kind);
  table.keys[std::string(id)] = *key;
  table.ids[*key] = std::string(id);
  table.sorted.reset();
  return std::optional<uint32_t>(*key);
}

std::string EntityKeys::IdOf(model::SeriesKind kind, uint32_t key) const {
  std::shared_lock lock(mu_);
  const Table& table = TableOf(kind);
  auto found = table.ids.find(key);
  return found == table.ids.end() ? std::string() : found->second;
}

EntityKeys::Sorted EntityKeys::All(model::SeriesKind kind) const {
  {
    std::shared_lock lock(mu_);
    if (TableOf(kind).sorted) return TableOf(kind).sorted;
  }
  std::unique_lock lock(mu_);
  const Table& table = TableOf(kind);
  if (!table.sorted) {
    auto sorted = std::make_shared<std::vector<std::pair<std::string, uint32_t>>>(
        table.keys.begin(), table.keys.end());
    std::sort(sorted->begin(), sorted->end());
    table.sorted = std::move(sorted);
  }
  return table.sorted;
}

void EntityKeys::Forget(model::SeriesKind kind, std::string_view id) {
  std::unique_lock lock(mu_);
  Table& table = TableOf(kind);
  auto found = table.keys.find(std::string(id));
  if (found == table.keys.end()) return;
  table.ids.erase(found->second);
  table.keys.erase(found);
  table.sorted.reset();
}

void EntityKeys::Follow(registry::Registry& registry) {
  registry.add_listener(
      [this](std::string_view noun, std::string_view id, registry::Registry::Change change) {
        const bool deleted = change == registry::Registry::Change::kDeleted;
        for (model::SeriesKind kind : {model::SeriesKind::kReading, model::SeriesKind::kGridStatus,
                                       model::SeriesKind::kObservation}) {
          if (noun != EntityNounOf(kind)) continue;
          if (deleted) {
            Forget(kind, id);
          } else {
            (void)Find(kind, id);  // a store error here is retried by the next Find
          }
        }
      });
}

}  // namespace metrify::ingest
