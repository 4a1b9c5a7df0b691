// SqliteEntityRepository<T>: EntityRepository<T> on one SQLite table whose
// columns are named after T's fields (see migrations.cc). All repositories of
// a registry share one connection and one mutex: SQLite serialises writers
// anyway, and registry operations take microseconds.
#pragma once

#include <mutex>
#include <string>

#include <fmt/format.h>

#include "common/time.h"
#include "model/entity.h"
#include "store/registry_store.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::store {

template <typename T>
class SqliteEntityRepository : public EntityRepository<T> {
 public:
  using Traits = model::EntityTraits<T>;

  SqliteEntityRepository(SqliteDb& db, std::mutex& mu) : db_(db), mu_(mu) {
    for (const auto& f : Traits::Fields()) {
      columns_ += (columns_.empty() ? "" : ", ") + f.name;
      placeholders_ += placeholders_.empty() ? "?" : ", ?";
      if (f.name != "id" && f.name != "created_at") {
        assignments_ += (assignments_.empty() ? "" : ", ") + f.name + " = ?";
      }
    }
  }

  Status Create(T& entity) override {
    std::lock_guard lock(mu_);
    entity.created_at = entity.updated_at = NowMillis();
    METRIFY_RETURN_IF_ERROR(CheckReferences(entity));
    METRIFY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                             db_.Prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})",
                                                     Traits::kTable, columns_, placeholders_)));
    int index = 1;
    for (const auto& f : Traits::Fields()) stmt.Bind(index++, f.get(entity));
    Status status = stmt.Run();
    if (status.code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists(
          fmt::format("{} \"{}\" already exists", Traits::kNoun, entity.id));
    }
    return status;
  }

  Result<T> Get(std::string_view id) override {
    std::lock_guard lock(mu_);
    return GetLocked(id);
  }

  Result<Page<T>> List(const ListQuery& query) override {
    std::lock_guard lock(mu_);
    std::string where;
    for (const auto& [name, value] : query.filters) {
      const model::FieldSpec<T>* field = model::FindField<T>(name);
      if (!field) return Status::InvalidArgument("cannot filter by unknown field " + name);
      where += where.empty() ? " WHERE " : " AND ";
      where += name + " = ?";
      if (std::holds_alternative<std::string>(value)) where += " COLLATE NOCASE";
    }
    Page<T> page;
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement count,
        db_.Prepare(fmt::format("SELECT COUNT(*) FROM {}{}", Traits::kTable, where)));
    BindFilters(count, query);
    METRIFY_ASSIGN_OR_RETURN(bool has_row, count.Step());
    page.total_count = has_row ? count.ColumnInt(0) : 0;

    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("SELECT {} FROM {}{} ORDER BY id LIMIT ? OFFSET ?", columns_,
                                Traits::kTable, where)));
    int next = BindFilters(stmt, query);
    stmt.Bind(next, query.page_size);
    stmt.Bind(next + 1, (query.page - 1) * query.page_size);
    while (true) {
      METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      METRIFY_ASSIGN_OR_RETURN(T entity, ReadRow(stmt));
      page.items.push_back(std::move(entity));
    }
    return page;
  }

  Status Update(T& entity) override {
    std::lock_guard lock(mu_);
    METRIFY_ASSIGN_OR_RETURN(T stored, GetLocked(entity.id));
    entity.created_at = stored.created_at;
    entity.updated_at = NowMillis();
    METRIFY_RETURN_IF_ERROR(CheckReferences(entity));
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("UPDATE {} SET {} WHERE id = ?", Traits::kTable, assignments_)));
    int index = 1;
    for (const auto& f : Traits::Fields()) {
      if (f.name != "id" && f.name != "created_at") stmt.Bind(index++, f.get(entity));
    }
    stmt.Bind(index, entity.id);
    return stmt.Run();
  }

  Status Delete(std::string_view id) override {
    std::lock_guard lock(mu_);
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("DELETE FROM {} WHERE id = ?", Traits::kTable)));
    stmt.Bind(1, std::string(id));
    Status status = stmt.Run();
    if (status.code() == StatusCode::kConflict) {
      return Status::Conflict(
          fmt::format("{} \"{}\" is still referenced by meters; reassign or delete them first",
                      Traits::kNoun, id));
    }
    if (!status.ok()) return status;
    if (db_.Changes() == 0) return EntityNotFound(Traits::kNoun, id);
    return Status::Ok();
  }

  Result<uint32_t> KeyOf(std::string_view id) override {
    std::lock_guard lock(mu_);
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("SELECT key FROM {} WHERE id = ?", Traits::kTable)));
    stmt.Bind(1, std::string(id));
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return EntityNotFound(Traits::kNoun, id);
    return static_cast<uint32_t>(stmt.ColumnInt(0));
  }

  Result<std::vector<std::pair<std::string, uint32_t>>> AllKeys() override {
    std::lock_guard lock(mu_);
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("SELECT id, key FROM {} ORDER BY key", Traits::kTable)));
    std::vector<std::pair<std::string, uint32_t>> keys;
    while (true) {
      METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return keys;
      keys.emplace_back(std::get<std::string>(stmt.Column(0)),
                        static_cast<uint32_t>(stmt.ColumnInt(1)));
    }
  }

 private:
  Result<T> GetLocked(std::string_view id) {
    METRIFY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare(fmt::format("SELECT {} FROM {} WHERE id = ?", columns_, Traits::kTable)));
    stmt.Bind(1, std::string(id));
    METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return EntityNotFound(Traits::kNoun, id);
    return ReadRow(stmt);
  }

  // Stored rows went through the same setters on the way in, so a setter
  // refusing one now means the file was changed behind our back.
  Result<T> ReadRow(const SqliteStatement& stmt) {
    T entity;
    int index = 0;
    for (const auto& f : Traits::Fields()) {
      model::FieldValue value = stmt.Column(index++);
      if (f.kind == model::FieldKind::kObject && std::holds_alternative<std::string>(value)) {
        value = model::JsonText{std::get<std::string>(value)};
      }
      if (auto error = f.set(entity, value)) {
        return Status::Corruption(fmt::format("{} table {}: row {}: {}", db_.path(), Traits::kTable,
                                              entity.id, error->message));
      }
    }
    return entity;
  }

  int BindFilters(SqliteStatement& stmt, const ListQuery& query) {
    int index = 1;
    for (const auto& [name, value] : query.filters) stmt.Bind(index++, value);
    return index;
  }

  // Every non-empty reference must name an existing entity.
  Status CheckReferences(const T& entity) {
    std::vector<StatusDetail> errors;
    for (const auto& f : Traits::Fields()) {
      if (f.references.empty()) continue;
      model::FieldValue value = f.get(entity);
      const auto* id = std::get_if<std::string>(&value);
      if (!id) continue;
      METRIFY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare(fmt::format("SELECT 1 FROM {} WHERE id = ?", f.references)));
      stmt.Bind(1, *id);
      METRIFY_ASSIGN_OR_RETURN(bool exists, stmt.Step());
      if (!exists) {
        errors.push_back(
            {f.name, "unknown_reference", fmt::format("{} \"{}\" does not exist", f.name, *id)});
      }
    }
    if (errors.empty()) return Status::Ok();
    return Status::InvalidFields(std::move(errors));
  }

  SqliteDb& db_;
  std::mutex& mu_;
  std::string columns_;       // "id, type, status, ..."
  std::string placeholders_;  // "?, ?, ..."
  std::string assignments_;   // "type = ?, status = ?, ..." (not id, created_at)
};

}  // namespace metrify::store
