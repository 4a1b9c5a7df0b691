#include "store/migrate_copy/registry_copy.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/entity.h"
#include "store/migrate_copy/row_digest.h"
#include "store/postgres/pg_entity_repository.h"

namespace metrify::store::migrate_copy {

namespace {

// PostgreSQL takes at most 65535 parameters per statement; far fewer rows
// per INSERT already make the round trips negligible.
constexpr size_t kMaxParams = 20000;

template <typename T>
uint64_t HashFields(const T& entity) {
  RowDigest d;
  for (const auto& f : model::EntityTraits<T>::Fields()) d.Value(f.get(entity));
  return d.Finish();
}

template <typename T>
Result<std::vector<T>> AllEntities(EntityRepository<T>& repo) {
  ListQuery all;
  all.page_size = -1;  // no limit, as SQLite's LIMIT -1
  METRIFY_ASSIGN_OR_RETURN(Page<T> page, repo.List(all));
  return std::move(page.items);
}

// "INSERT INTO meters (id, ...) VALUES (...), ... RETURNING id, key" for
// `rows` rows; values go through pg_field, as PgEntityRepository writes them.
template <typename T>
std::string InsertSql(size_t rows) {
  using Traits = model::EntityTraits<T>;
  std::string columns, values;
  int param = 0;
  for (const auto& f : Traits::Fields()) columns += (columns.empty() ? "" : ", ") + f.name;
  for (size_t r = 0; r < rows; ++r) {
    values += r == 0 ? "(" : ", (";
    bool first = true;
    for (const auto& f : Traits::Fields()) {
      values += (first ? "" : ", ") + pg_field::WriteExpr(f.kind, fmt::format("${}", ++param));
      first = false;
    }
    values += ")";
  }
  return fmt::format("INSERT INTO {} ({}) VALUES {} RETURNING id, key", Traits::kTable, columns,
                     values);
}

// Writes `entities` in batches and records each one's PostgreSQL key.
template <typename T>
Status InsertAll(PgConnection& target, const std::vector<T>& entities, const ProgressFn& progress,
                 KeyTranslation* keys) {
  using Traits = model::EntityTraits<T>;
  const size_t per_batch = std::max<size_t>(1, kMaxParams / Traits::Fields().size());
  for (size_t begin = 0; begin < entities.size(); begin += per_batch) {
    const size_t end = std::min(entities.size(), begin + per_batch);
    PgParamList params;
    for (size_t i = begin; i < end; ++i) {
      for (const auto& f : Traits::Fields()) params.push_back(pg_field::ToText(f.get(entities[i])));
    }
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, target.Query(InsertSql<T>(end - begin), params));
    for (int r = 0; r < rows.size(); ++r) {
      keys->target_keys[std::string(rows.Text(r, 0))] = static_cast<uint32_t>(rows.Int(r, 1));
    }
    if (progress) progress(Phase::kCopying, Traits::kTable, end);
  }
  return Status::Ok();
}

template <typename T>
Status CopyTable(EntityRepository<T>& source, PgConnection& target, const ProgressFn& progress,
                 KeyTranslation* keys, Tally* tally) {
  METRIFY_ASSIGN_OR_RETURN(auto source_keys, source.AllKeys());
  std::unordered_map<std::string, uint32_t> key_of;
  for (const auto& [id, key] : source_keys) {
    keys->source_ids[key] = id;
    key_of[id] = key;
  }
  METRIFY_ASSIGN_OR_RETURN(std::vector<T> entities, AllEntities(source));
  std::sort(entities.begin(), entities.end(),
            [&](const T& a, const T& b) { return key_of.at(a.id) < key_of.at(b.id); });
  for (const T& e : entities) tally->Add(HashFields(e));
  return InsertAll(target, entities, progress, keys);
}

template <typename T>
Result<Tally> TallyTable(EntityRepository<T>& repo) {
  METRIFY_ASSIGN_OR_RETURN(std::vector<T> entities, AllEntities(repo));
  Tally tally;
  for (const T& e : entities) tally.Add(HashFields(e));
  return tally;
}

}  // namespace

Status CopyRegistry(RegistryStore& source, PgConnection& target, const ProgressFn& progress,
                    RegistryKeys* keys, RegistryTallies* tallies) {
  METRIFY_RETURN_IF_ERROR(CopyTable(source.grid_operators(), target, progress,
                                    &keys->grid_operators, &tallies->grid_operators));
  METRIFY_RETURN_IF_ERROR(CopyTable(source.weather_stations(), target, progress,
                                    &keys->weather_stations, &tallies->weather_stations));
  return CopyTable(source.meters(), target, progress, &keys->meters, &tallies->meters);
}

Result<RegistryTallies> TallyRegistry(RegistryStore& registry) {
  RegistryTallies t;
  METRIFY_ASSIGN_OR_RETURN(t.grid_operators, TallyTable(registry.grid_operators()));
  METRIFY_ASSIGN_OR_RETURN(t.weather_stations, TallyTable(registry.weather_stations()));
  METRIFY_ASSIGN_OR_RETURN(t.meters, TallyTable(registry.meters()));
  return t;
}

}  // namespace metrify::store::migrate_copy
