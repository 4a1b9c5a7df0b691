#include "store/migrate_copy/audit_copy.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/migrate_copy/pg_cursor.h"
#include "store/postgres/pg_entity_repository.h"

namespace metrify::store::migrate_copy {

namespace {

// How a column travels and hashes. kMeterKey is an integer that names a
// meter by key: written translated, hashed as the meter's id.
enum class Column { kInt, kReal, kText, kMeterKey };

struct AuditColumn {
  std::string_view name;
  Column kind;
};

struct AuditTable {
  std::string_view name;
  std::string_view identity;  // the GENERATED ALWAYS AS IDENTITY column
  std::vector<AuditColumn> columns;
};

constexpr Column I = Column::kInt, R = Column::kReal, T = Column::kText;

// The columns of both stores' tables (store/sqlite/migrations.cc and
// store/postgres/pg_migrations.cc, versions 2 and 3).
const std::vector<AuditTable>& Tables() {
  static const std::vector<AuditTable> kTables = {
      {"reading_edits",
       "seq",
       {{"seq", I},
        {"meter_key", Column::kMeterKey},
        {"meter_id", T},
        {"timestamp_ms", I},
        {"energy_kwh", R},
        {"register_kwh", R},
        {"old_energy_kwh", R},
        {"old_register_kwh", R},
        {"old_status", T},
        {"reason", T},
        {"edited_by", T},
        {"edited_at", I},
        {"request_id", T}}},
      {"alerts",
       "id",
       {{"id", I},
        {"type", T},
        {"rule", T},
        {"severity", T},
        {"source_kind", T},
        {"source_id", T},
        {"message", T},
        {"first_seen", I},
        {"last_seen", I},
        {"count", I},
        {"value", R},
        {"state", T},
        {"created_at", I},
        {"updated_at", I},
        {"acknowledged_by", T},
        {"acknowledge_note", T},
        {"acknowledged_at", I},
        {"resolved_by", T},
        {"resolve_note", T},
        {"resolved_at", I}}},
      {"alert_dead_letters",
       "seq",
       {{"seq", I},
        {"alert_id", I},
        {"event", T},
        {"url", T},
        {"attempts", I},
        {"last_error", T},
        {"payload", T},
        {"failed_at", I}}},
  };
  return kTables;
}

Result<const AuditTable*> Find(std::string_view name) {
  for (const AuditTable& t : Tables()) {
    if (t.name == name) return &t;
  }
  return Status::InvalidArgument(fmt::format("{} is not an audit table", name));
}

std::string ColumnList(const AuditTable& t) {
  std::string out;
  for (const AuditColumn& c : t.columns)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", c.name);
  return out;
}

std::string_view Cast(Column kind) {
  switch (kind) {
    case Column::kReal:
      return "float8";
    case Column::kText:
      return "text";
    default:
      return "int8";
  }
}

// SQLite may hand back a REAL column's whole number as an integer (a value
// written before the column had its affinity); hash it as the real it is.
model::FieldValue Canonical(Column kind, model::FieldValue value) {
  if (kind == Column::kReal) {
    if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  }
  return value;
}

std::string InsertSql(const AuditTable& t, size_t rows) {
  std::string values;
  int param = 0;
  for (size_t r = 0; r < rows; ++r) {
    values += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      values += fmt::format("{}${}::{}", c == 0 ? "" : ", ", ++param, Cast(t.columns[c].kind));
    }
    values += ")";
  }
  return fmt::format("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES {}", t.name, ColumnList(t),
                     values);
}

// Reads `t` from registry.db in identity order and hands out batches of
// parameter rows, tallying every row as it goes.
class AuditWriter {
 public:
  AuditWriter(const AuditTable& t, PgConnection& target, const KeyTranslation& meters,
              const ProgressFn& progress)
      : t_(t), target_(target), meters_(meters), progress_(progress) {}

  void Add(std::vector<model::FieldValue> row, AuditCopy* copy) {
    RowDigest digest;
    for (size_t c = 0; c < t_.columns.size(); ++c) {
      const Column kind = t_.columns[c].kind;
      model::FieldValue value = Canonical(kind, std::move(row[c]));
      if (kind == Column::kMeterKey)
        value = MeterKey(value, &digest, copy);
      else
        digest.Value(value);
      params_.push_back(pg_field::ToText(value));
    }
    copy->tally.Add(digest.Finish());
    ++pending_;
  }
  bool Full() const { return params_.size() >= kMaxParams; }
  Status Flush(uint64_t written) {
    if (pending_ == 0) return Status::Ok();
    METRIFY_RETURN_IF_ERROR(target_.Query(InsertSql(t_, pending_), params_).status());
    params_.clear();
    pending_ = 0;
    if (progress_) progress_(Phase::kCopying, t_.name, written);
    return Status::Ok();
  }

 private:
  static constexpr size_t kMaxParams = 20000;

  // Hashes the meter's id, returns its PostgreSQL key (0 when none).
  model::FieldValue MeterKey(const model::FieldValue& value, RowDigest* digest, AuditCopy* copy) {
    const auto* key = std::get_if<int64_t>(&value);
    const std::string* id = key ? meters_.SourceId(static_cast<uint32_t>(*key)) : nullptr;
    const std::optional<uint32_t> translated =
        key ? meters_.Translate(static_cast<uint32_t>(*key)) : std::nullopt;
    if (id != nullptr) {
      digest->Text(*id);
    } else {
      digest->Null();
      ++copy->orphaned;
    }
    return int64_t{translated.value_or(0)};
  }

  const AuditTable& t_;
  PgConnection& target_;
  const KeyTranslation& meters_;
  const ProgressFn& progress_;
  PgParamList params_;
  size_t pending_ = 0;
};

// The column names `t` lacks among `names`, as "a, b".
std::string Unknown(const AuditTable& t, const std::vector<std::string>& names) {
  std::string unknown;
  for (const std::string& name : names) {
    const bool known = std::any_of(t.columns.begin(), t.columns.end(),
                                   [&](const AuditColumn& c) { return c.name == name; });
    if (!known) unknown += (unknown.empty() ? "" : ", ") + name;
  }
  return unknown;
}

// A column added to either store later must not be dropped silently: the
// copy refuses until this table learns it.
Status CheckColumns(const AuditTable& t, SqliteDb& source, PgConnection& target) {
  std::vector<std::string> sqlite_names, pg_names;
  METRIFY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      source.Prepare(fmt::format("SELECT name FROM pragma_table_info('{}')", t.name)));
  while (true) {
    METRIFY_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    const model::FieldValue name = stmt.Column(0);
    if (const auto* text = std::get_if<std::string>(&name)) sqlite_names.push_back(*text);
  }
  METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                           target.Query("SELECT column_name FROM information_schema.columns WHERE "
                                        "table_schema = current_schema() AND table_name = $1",
                                        {std::string(t.name)}));
  for (int r = 0; r < rows.size(); ++r) pg_names.emplace_back(rows.Text(r, 0));
  for (const auto& [store, names] :
       {std::pair{"registry.db", &sqlite_names}, std::pair{"PostgreSQL", &pg_names}}) {
    const std::string unknown = Unknown(t, *names);
    if (!unknown.empty()) {
      return Status::Internal(
          fmt::format("{} has columns {} in {} that this metrify cannot copy: use a newer metrify",
                      t.name, unknown, store));
    }
  }
  return Status::Ok();
}

// Moves the identity past the highest copied value, so the next row
// PostgreSQL numbers does not collide with a copied one.
Status BumpIdentity(const AuditTable& t, PgConnection& target) {
  return target
      .Query(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', '{1}'), m) FROM (SELECT "
                         "max({1}) AS m FROM {0}) s WHERE m IS NOT NULL",
                         t.name, t.identity))
      .status();
}

}  // namespace

const std::vector<std::string_view>& AuditTables() {
  static const std::vector<std::string_view> kNames = {"reading_edits", "alerts",
                                                       "alert_dead_letters"};
  return kNames;
}

Result<AuditCopy> CopyAuditTable(std::string_view table, SqliteDb& source, PgConnection& target,
                                 const KeyTranslation& meters, const ProgressFn& progress) {
  METRIFY_ASSIGN_OR_RETURN(const AuditTable* t, Find(table));
  METRIFY_RETURN_IF_ERROR(CheckColumns(*t, source, target));
  METRIFY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                           source.Prepare(fmt::format("SELECT {} FROM {} ORDER BY {}",
                                                      ColumnList(*t), t->name, t->identity)));
  AuditCopy copy;
  AuditWriter writer(*t, target, meters, progress);
  while (true) {
    METRIFY_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    std::vector<model::FieldValue> row;
    for (size_t c = 0; c < t->columns.size(); ++c) row.push_back(stmt.Column(static_cast<int>(c)));
    writer.Add(std::move(row), &copy);
    if (writer.Full()) METRIFY_RETURN_IF_ERROR(writer.Flush(copy.tally.rows));
  }
  METRIFY_RETURN_IF_ERROR(writer.Flush(copy.tally.rows));
  METRIFY_RETURN_IF_ERROR(BumpIdentity(*t, target));
  return copy;
}

Result<Tally> TallyAuditTable(std::string_view table, PgConnection& target) {
  METRIFY_ASSIGN_OR_RETURN(const AuditTable* t, Find(table));
  std::string select;
  for (const AuditColumn& c : t->columns) {
    select += select.empty() ? "" : ", ";
    select += c.kind == Column::kMeterKey
                  ? fmt::format("(SELECT m.id FROM meters m WHERE m.key = t.{})", c.name)
                  : fmt::format("t.{}", c.name);
  }
  Tally tally;
  auto add = [&](const PgRows& rows, int r) -> Status {
    RowDigest digest;
    for (size_t c = 0; c < t->columns.size(); ++c) {
      const int column = static_cast<int>(c);
      if (rows.IsNull(r, column)) {
        digest.Null();
        continue;
      }
      const Column kind = t->columns[c].kind;
      const model::FieldKind as = kind == Column::kInt    ? model::FieldKind::kInteger
                                  : kind == Column::kReal ? model::FieldKind::kNumber
                                                          : model::FieldKind::kText;
      std::optional<model::FieldValue> value = pg_field::FromText(as, rows.Text(r, column));
      if (!value) {
        return Status::Corruption(fmt::format("{}.{} holds \"{}\", not a {}", t->name,
                                              t->columns[c].name, rows.Text(r, column),
                                              Cast(kind)));
      }
      digest.Value(*value);
    }
    tally.Add(digest.Finish());
    return Status::Ok();
  };
  METRIFY_RETURN_IF_ERROR(
      ForEachRow(target, fmt::format("SELECT {} FROM {} t", select, t->name), add));
  return tally;
}

}  // namespace metrify::store::migrate_copy
