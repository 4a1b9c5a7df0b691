#include "registry/csv_import.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "common/json_writer.h"
#include "common/strings.h"
#include "parse/csv_scanner.h"

namespace metrify::registry {

namespace {

// Column names used by the seed data and common exports, by field name.
const std::map<std::string, std::string>& ColumnAliases() {
  static const std::map<std::string, std::string> kAliases = {
      {"meter_id", "id"},
      {"operator_id", "id"},
      {"station_id", "id"},
      {"meter_type", "type"},
      {"operator_type", "type"},
      {"station_type", "type"},
      {"tariff_type", "tariff"},
      {"firmware_version", "firmware"},
      {"customer_segment", "segment"},
      {"serial_number", "serial"},
      {"operator_name", "name"},
      {"station_name", "name"},
      {"lat", "latitude"},
      {"lon", "longitude"},
      {"lng", "longitude"},
      {"zip", "postal_code"},
      {"grid_operator", "grid_operator_id"},
      {"weather_station", "weather_station_id"},
      {"elevation", "elevation_m"},
      {"standard_load_profile", "load_profile"},
  };
  return kAliases;
}

// Where each CSV column goes: a field, or (when `field` is null) metadata.
template <typename T>
struct Column {
  std::string header;
  const model::FieldSpec<T>* field;
};

template <typename T>
Result<std::vector<Column<T>>> MapHeader(const std::vector<std::string_view>& header) {
  std::vector<Column<T>> columns;
  bool has_id = false;
  for (std::string_view raw : header) {
    std::string name = ToLower(Trim(raw));
    const model::FieldSpec<T>* field = model::FindField<T>(name);
    if (!field) {
      auto alias = ColumnAliases().find(name);
      if (alias != ColumnAliases().end()) field = model::FindField<T>(alias->second);
    }
    for (const Column<T>& c : columns) {
      if (field && c.field == field) {
        return Status::InvalidArgument(
            fmt::format("header names field {} twice (columns \"{}\" and \"{}\")", field->name,
                        c.header, name));
      }
    }
    has_id = has_id || (field && field->kind == model::FieldKind::kId);
    columns.push_back({name, field});
  }
  if (!has_id) {
    return Status::InvalidArgument(
        "header has no id column (expected \"id\", or \"meter_id\", \"operator_id\", "
        "\"station_id\")");
  }
  return columns;
}

template <typename T>
struct Row {
  model::FieldValues values;
  std::string id;
  std::vector<ImportError> errors;
};

template <typename T>
Row<T> ReadRow(const std::vector<Column<T>>& columns, const std::vector<std::string_view>& cells,
               int line) {
  Row<T> row;
  if (cells.size() != columns.size()) {
    for (size_t i = 0; i < columns.size() && i < cells.size(); ++i) {
      if (columns[i].field && columns[i].field->kind == model::FieldKind::kId) {
        row.id = std::string(Trim(cells[i]));
      }
    }
    row.errors.push_back({line, row.id, "", "wrong_column_count",
                          fmt::format("line {} has {} columns; the header has {}", line,
                                      cells.size(), columns.size())});
    return row;
  }
  JsonWriter metadata;
  metadata.BeginObject();
  bool has_metadata_column = false, extra = false;
  for (size_t i = 0; i < columns.size(); ++i) {
    const model::FieldSpec<T>* field = columns[i].field;
    if (!field) {
      if (Trim(cells[i]).empty()) continue;
      metadata.Key(columns[i].header).String(Trim(cells[i]));
      extra = true;
      continue;
    }
    has_metadata_column = has_metadata_column || field->kind == model::FieldKind::kObject;
    auto parsed = model::ParseFieldText(field->name, field->kind, cells[i]);
    if (auto* error = std::get_if<model::FieldError>(&parsed)) {
      row.errors.push_back({line, "", error->field, error->code, error->message});
      continue;
    }
    const auto& value = std::get<model::FieldValue>(parsed);
    if (field->kind == model::FieldKind::kId) {
      if (const auto* s = std::get_if<std::string>(&value)) row.id = *s;
    }
    if (!std::holds_alternative<std::monostate>(value)) row.values.emplace_back(field->name, value);
  }
  metadata.EndObject();
  if (extra && !has_metadata_column) {
    row.values.emplace_back("metadata", model::JsonText{metadata.Take()});
  }
  for (ImportError& e : row.errors) e.id = row.id;
  return row;
}

template <typename T>
void StoreRow(Registry& registry, Row<T>& row, int line, const ImportOptions& options,
              ImportReport& report) {
  Result<T> created = registry.Create<T>(row.values);
  if (created.has_value()) {
    ++report.created;
    return;
  }
  Status status = created.error();
  if (status.code() == StatusCode::kAlreadyExists && options.upsert) {
    Result<T> replaced = registry.Replace<T>(row.id, row.values);
    if (replaced.has_value()) {
      ++report.updated;
      return;
    }
    status = replaced.error();
  }
  if (status.details().empty()) {
    std::string code = status.code() == StatusCode::kAlreadyExists
                           ? "already_exists"
                           : std::string(StatusCodeName(status.code()));
    row.errors.push_back({line, row.id, "", code, status.message()});
  }
  for (const StatusDetail& d : status.details()) {
    row.errors.push_back({line, row.id, d.field, d.code, d.message});
  }
}

}  // namespace

template <typename T>
Result<ImportReport> ImportCsv(Registry& registry, std::string_view csv,
                               const ImportOptions& options) {
  parse::CsvScanner scanner(csv);
  std::vector<std::string_view> cells;
  if (!scanner.Next(&cells) || scanner.unclosed_quote()) {
    return Status::InvalidArgument(scanner.unclosed_quote()
                                       ? "line 1: a quoted field in the header is never closed"
                                       : "the CSV file is empty; it needs a header line");
  }
  METRIFY_ASSIGN_OR_RETURN(std::vector<Column<T>> columns, MapHeader<T>(cells));
  ImportReport report;
  while (scanner.Next(&cells)) {
    ++report.rows;
    int line = static_cast<int>(scanner.line());
    if (scanner.unclosed_quote()) {
      // The scanner ran to the end of the text looking for the closing quote.
      ++report.rejected;
      report.errors.push_back({line, "", "", "malformed_csv",
                               fmt::format("line {}: a quoted field is never closed", line)});
      break;
    }
    Row<T> row = ReadRow(columns, cells, line);
    if (row.errors.empty()) StoreRow(registry, row, line, options, report);
    if (!row.errors.empty()) ++report.rejected;
    for (ImportError& e : row.errors) {
      if (report.errors.size() < kMaxImportErrors) report.errors.push_back(std::move(e));
    }
  }
  return report;
}

template Result<ImportReport> ImportCsv<model::Meter>(Registry&, std::string_view,
                                                      const ImportOptions&);
template Result<ImportReport> ImportCsv<model::GridOperator>(Registry&, std::string_view,
                                                             const ImportOptions&);
template Result<ImportReport> ImportCsv<model::WeatherStation>(Registry&, std::string_view,
                                                               const ImportOptions&);

}  // namespace metrify::registry
