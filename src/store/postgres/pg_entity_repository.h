// PgEntityRepository<T>: EntityRepository<T> on one PostgreSQL table of
// scaled mode, with the behaviour of the embedded SqliteEntityRepository<T>
// (same results, error codes and messages; tests/scaled/
// registry_parity_test.cc runs the same cases on both). Columns are named
// after T's fields (pg_migrations.cc, v1 and v6), so the SQL is built from
// the field table; how a field's value travels to and from its column is in
// pg_field.
//
// Every call leases a connection from the pool for its duration. Writes run
// in one transaction that locks what they depend on: a referenced row FOR
// KEY SHARE (a racing Delete of it waits and then sees the reference), the
// row being updated FOR NO KEY UPDATE. Reads that failed on a connection the
// server had closed (a restart) are retried once on a fresh one; writes are
// not, since their outcome is unknown then.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/time.h"
#include "model/entity.h"
#include "store/postgres/pg_pool.h"
#include "store/registry_store.h"

namespace metrify::store {

using PgParamList = std::vector<std::optional<std::string>>;

// How registry field values are written to, read from and compared with
// their columns. The one place that knows the column types (v1, with
// metadata TEXT since v6).
namespace pg_field {

// The parameter text of `value`; nullopt (NULL) for monostate.
std::optional<std::string> ToText(const model::FieldValue& value);
// The value of a column of `kind` from its text; nullopt when the text is
// not of that kind (a row changed behind the store's back).
std::optional<model::FieldValue> FromText(model::FieldKind kind, std::string_view text);
// The SQL that stores parameter `placeholder` ("$3") in a column of `kind`.
std::string WriteExpr(model::FieldKind kind, std::string_view placeholder);
// The condition "column `name` equals `value`" with SQLite's comparison
// rules (text ASCII-case-insensitively, NULL never equal), appending its
// parameters to `params`.
std::string EqualsCondition(std::string_view name, model::FieldKind kind,
                            const model::FieldValue& value, PgParamList& params);
// False for text PostgreSQL cannot hold: a NUL character or invalid UTF-8.
bool Storable(std::string_view text);
// A detail for field `name` when `value` is text that is not Storable.
std::optional<StatusDetail> UnstorableDetail(const std::string& name,
                                             const model::FieldValue& value);

}  // namespace pg_field

// What a call does to the database: a read may run again, a write may not.
enum class PgCall { kRead, kWrite };

// Runs `body(PgConnection&)` on a connection leased from `pool` and returns
// what it returns (Status or Result). A read that failed with Unavailable
// because its connection broke runs once more on another.
template <typename Body>
auto WithPgConnection(PgPool& pool, PgCall call, Body body)
    -> decltype(body(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    Result<PgLease> lease = pool.Acquire();
    if (!lease.has_value()) return lease.error();
    auto result = body(*lease.value());
    const Status status = pg_detail::StatusOf(result);
    const bool broken = status.code() == StatusCode::kUnavailable && !lease.value()->Usable();
    if (call == PgCall::kWrite || attempt > 0 || !broken) return result;
  }
}

template <typename T>
class PgEntityRepository : public EntityRepository<T> {
 public:
  using Traits = model::EntityTraits<T>;

  // `pool` must outlive the repository.
  explicit PgEntityRepository(PgPool& pool);

  Status Create(T& entity) override;
  Result<T> Get(std::string_view id) override;
  Result<Page<T>> List(const ListQuery& query) override;
  Status Update(T& entity) override;
  Status Delete(std::string_view id) override;
  Result<uint32_t> KeyOf(std::string_view id) override;
  Result<std::vector<std::pair<std::string, uint32_t>>> AllKeys() override;

 private:
  Result<T> GetOn(PgConnection& db, std::string_view id, std::string_view lock);
  Result<T> ReadRow(const PgConnection& db, const PgRows& rows, int row) const;
  Status CheckStorable(const T& entity) const;
  Status CheckReferences(PgConnection& db, const T& entity);
  PgParamList Params(const T& entity, bool for_update) const;

  PgPool& pool_;
  std::string select_list_;  // "id, type, ..., metadata, ..."
  std::string insert_sql_;
  std::string update_sql_;
};

template <typename T>
PgEntityRepository<T>::PgEntityRepository(PgPool& pool) : pool_(pool) {
  std::string columns, values, assignments;
  int id_param = 0, insert_param = 0, update_param = 0;
  for (const auto& f : Traits::Fields()) {
    columns += (columns.empty() ? "" : ", ") + f.name;
    const std::string placeholder = fmt::format("${}", ++insert_param);
    values += (values.empty() ? "" : ", ") + pg_field::WriteExpr(f.kind, placeholder);
    if (f.name == "id") id_param = insert_param;
    if (f.name != "id" && f.name != "created_at") {
      assignments += fmt::format("{}{} = {}", assignments.empty() ? "" : ", ", f.name,
                                 pg_field::WriteExpr(f.kind, fmt::format("${}", ++update_param)));
    }
  }
  select_list_ = columns;
  // INSERT ... SELECT ... WHERE NOT EXISTS draws an identity value only for
  // a row it inserts, so a refused duplicate leaves no gap in the keys; ON
  // CONFLICT settles two creates of the same id racing past that check.
  insert_sql_ = fmt::format(
      "INSERT INTO {0} ({1}) SELECT {2} WHERE NOT EXISTS (SELECT 1 FROM {0} WHERE id = ${3}) "
      "ON CONFLICT (id) DO NOTHING RETURNING key",
      Traits::kTable, columns, values, id_param);
  update_sql_ =
      fmt::format("UPDATE {} SET {} WHERE id = ${}", Traits::kTable, assignments, update_param + 1);
}

template <typename T>
Status PgEntityRepository<T>::Create(T& entity) {
  entity.created_at = entity.updated_at = NowMillis();
  METRIFY_RETURN_IF_ERROR(CheckStorable(entity));
  return WithPgConnection(pool_, PgCall::kWrite, [&](PgConnection& db) {
    return db.InTransaction([&]() -> Status {
      METRIFY_RETURN_IF_ERROR(CheckReferences(db, entity));
      METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(insert_sql_, Params(entity, false)));
      if (rows.size() == 0) {
        return Status::AlreadyExists(
            fmt::format("{} \"{}\" already exists", Traits::kNoun, entity.id));
      }
      return Status::Ok();
    });
  });
}

template <typename T>
Result<T> PgEntityRepository<T>::Get(std::string_view id) {
  if (!pg_field::Storable(id)) return EntityNotFound(Traits::kNoun, id);
  return WithPgConnection(pool_, PgCall::kRead,
                          [&](PgConnection& db) { return GetOn(db, id, ""); });
}

template <typename T>
Result<Page<T>> PgEntityRepository<T>::List(const ListQuery& query) {
  std::string where;
  PgParamList params;
  for (const auto& [name, value] : query.filters) {
    const model::FieldSpec<T>* field = model::FindField<T>(name);
    if (!field) return Status::InvalidArgument("cannot filter by unknown field " + name);
    where += where.empty() ? " WHERE " : " AND ";
    where += pg_field::EqualsCondition(name, field->kind, value, params);
  }
  const std::string count_sql = fmt::format("SELECT count(*) FROM {}{}", Traits::kTable, where);
  // SQLite's paging: a negative page size is no limit, a negative offset none.
  // Ids are ordered byte by byte there. The column's collation is "C" since
  // v6, so its unique index serves this order; COLLATE pins it all the same.
  const std::string page_sql =
      fmt::format("SELECT {} FROM {}{} ORDER BY id COLLATE \"C\" LIMIT ${} OFFSET ${}",
                  select_list_, Traits::kTable, where, params.size() + 1, params.size() + 2);
  PgParamList page_params = params;
  page_params.push_back(query.page_size < 0 ? std::nullopt
                                            : std::optional(std::to_string(query.page_size)));
  page_params.push_back(std::to_string(std::max<int64_t>(0, (query.page - 1) * query.page_size)));
  return WithPgConnection(pool_, PgCall::kRead, [&](PgConnection& db) {
    return db.InTransaction([&]() -> Result<Page<T>> {
      // One snapshot for both statements, so total_count matches the items.
      METRIFY_RETURN_IF_ERROR(
          db.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
      Page<T> page;
      METRIFY_ASSIGN_OR_RETURN(PgRows count, db.Query(count_sql, params));
      page.total_count = count.Int(0, 0);
      METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(page_sql, page_params));
      for (int i = 0; i < rows.size(); ++i) {
        METRIFY_ASSIGN_OR_RETURN(T entity, ReadRow(db, rows, i));
        page.items.push_back(std::move(entity));
      }
      return page;
    });
  });
}

template <typename T>
Status PgEntityRepository<T>::Update(T& entity) {
  if (!pg_field::Storable(entity.id)) return EntityNotFound(Traits::kNoun, entity.id);
  return WithPgConnection(pool_, PgCall::kWrite, [&](PgConnection& db) {
    return db.InTransaction([&]() -> Status {
      // NO KEY UPDATE: creates of meters referring to this row may go on.
      METRIFY_ASSIGN_OR_RETURN(T stored, GetOn(db, entity.id, " FOR NO KEY UPDATE"));
      entity.created_at = stored.created_at;
      entity.updated_at = NowMillis();
      METRIFY_RETURN_IF_ERROR(CheckStorable(entity));
      METRIFY_RETURN_IF_ERROR(CheckReferences(db, entity));
      return db.Query(update_sql_, Params(entity, true)).status();
    });
  });
}

template <typename T>
Status PgEntityRepository<T>::Delete(std::string_view id) {
  if (!pg_field::Storable(id)) return EntityNotFound(Traits::kNoun, id);
  const std::string sql = fmt::format("DELETE FROM {} WHERE id = $1 RETURNING key", Traits::kTable);
  Result<PgRows> rows = WithPgConnection(
      pool_, PgCall::kWrite, [&](PgConnection& db) { return db.Query(sql, {std::string(id)}); });
  // Conflict is the foreign keys' RESTRICT: meters still name this row.
  if (!rows.has_value() && rows.error().code() == StatusCode::kConflict) {
    return Status::Conflict(
        fmt::format("{} \"{}\" is still referenced by meters; reassign or delete them first",
                    Traits::kNoun, id));
  }
  if (!rows.has_value()) return rows.error();
  if (rows->size() == 0) return EntityNotFound(Traits::kNoun, id);
  return Status::Ok();
}

template <typename T>
Result<uint32_t> PgEntityRepository<T>::KeyOf(std::string_view id) {
  if (!pg_field::Storable(id)) return EntityNotFound(Traits::kNoun, id);
  const std::string sql = fmt::format("SELECT key FROM {} WHERE id = $1", Traits::kTable);
  return WithPgConnection(pool_, PgCall::kRead, [&](PgConnection& db) -> Result<uint32_t> {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(sql, {std::string(id)}));
    if (rows.size() == 0) return EntityNotFound(Traits::kNoun, id);
    return static_cast<uint32_t>(rows.Int(0, 0));
  });
}

template <typename T>
Result<std::vector<std::pair<std::string, uint32_t>>> PgEntityRepository<T>::AllKeys() {
  using Keys = std::vector<std::pair<std::string, uint32_t>>;
  const std::string sql = fmt::format("SELECT id, key FROM {} ORDER BY key", Traits::kTable);
  return WithPgConnection(pool_, PgCall::kRead, [&](PgConnection& db) -> Result<Keys> {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(sql));
    Keys keys;
    keys.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) {
      keys.emplace_back(std::string(rows.Text(i, 0)), static_cast<uint32_t>(rows.Int(i, 1)));
    }
    return keys;
  });
}

// `lock` is "" or a row-locking clause for the caller's transaction.
template <typename T>
Result<T> PgEntityRepository<T>::GetOn(PgConnection& db, std::string_view id,
                                       std::string_view lock) {
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(fmt::format("SELECT {} FROM {} WHERE id = $1{}",
                                                             select_list_, Traits::kTable, lock),
                                                 {std::string(id)}));
  if (rows.size() == 0) return EntityNotFound(Traits::kNoun, id);
  return ReadRow(db, rows, 0);
}

// Stored rows went through the same setters on the way in, so a setter
// refusing one now means the table was changed behind the store's back.
template <typename T>
Result<T> PgEntityRepository<T>::ReadRow(const PgConnection& db, const PgRows& rows,
                                         int row) const {
  T entity;
  int column = 0;
  for (const auto& f : Traits::Fields()) {
    std::optional<model::FieldValue> value = model::FieldValue();
    if (!rows.IsNull(row, column)) value = pg_field::FromText(f.kind, rows.Text(row, column));
    ++column;
    std::optional<model::FieldError> error;
    if (!value) {
      error = model::FieldError{f.name, "wrong_type", f.name + " is not of its column's type"};
    } else {
      error = f.set(entity, *value);
    }
    if (error) {
      return Status::Corruption(fmt::format("PostgreSQL at {} table {}: row {}: {}", db.where(),
                                            Traits::kTable, entity.id, error->message));
    }
  }
  return entity;
}

template <typename T>
Status PgEntityRepository<T>::CheckStorable(const T& entity) const {
  std::vector<StatusDetail> errors;
  for (const auto& f : Traits::Fields()) {
    if (auto detail = pg_field::UnstorableDetail(f.name, f.get(entity))) {
      errors.push_back(std::move(*detail));
    }
  }
  if (errors.empty()) return Status::Ok();
  return Status::InvalidFields(std::move(errors));
}

// Every non-empty reference must name an existing entity, which stays
// (FOR KEY SHARE) until this transaction ends.
template <typename T>
Status PgEntityRepository<T>::CheckReferences(PgConnection& db, const T& entity) {
  std::vector<StatusDetail> errors;
  for (const auto& f : Traits::Fields()) {
    if (f.references.empty()) continue;
    model::FieldValue value = f.get(entity);
    const auto* id = std::get_if<std::string>(&value);
    if (!id) continue;
    METRIFY_ASSIGN_OR_RETURN(
        PgRows rows,
        db.Query(fmt::format("SELECT 1 FROM {} WHERE id = $1 FOR KEY SHARE", f.references), {*id}));
    if (rows.size() == 0) {
      errors.push_back(
          {f.name, "unknown_reference", fmt::format("{} \"{}\" does not exist", f.name, *id)});
    }
  }
  if (errors.empty()) return Status::Ok();
  return Status::InvalidFields(std::move(errors));
}

// The parameters of insert_sql_ (every field in order) or of update_sql_
// (the assigned fields, then the id).
template <typename T>
PgParamList PgEntityRepository<T>::Params(const T& entity, bool for_update) const {
  PgParamList params;
  for (const auto& f : Traits::Fields()) {
    if (for_update && (f.name == "id" || f.name == "created_at")) continue;
    params.push_back(pg_field::ToText(f.get(entity)));
  }
  if (for_update) params.push_back(entity.id);
  return params;
}

}  // namespace metrify::store
