// Importing meters, grid operators or weather stations from CSV, row by row:
// every row is validated like an API request, bad rows are reported with
// their line number and the rest are imported.
//
// Header names are matched case-insensitively to field names, with the seed
// data's aliases (meter_id -> id, meter_type -> type, tariff_type -> tariff,
// firmware_version -> firmware, ...). Columns that are not fields (such as the
// seed data's quality_tier) are kept in the entity's metadata object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "registry/registry.h"

namespace metrify::registry {

struct ImportOptions {
  // false: a row whose id exists is rejected (already_exists).
  // true: it replaces the stored entity.
  bool upsert = false;
};

struct ImportError {
  int line = 0;       // 1-based line of the file where the row begins
  std::string id;     // the row's id when it has one
  std::string field;  // "" for problems with the whole row
  std::string code;   // "already_exists", "out_of_range", ...
  std::string message;
};

struct ImportReport {
  int64_t rows = 0;
  int64_t created = 0;
  int64_t updated = 0;
  int64_t rejected = 0;
  std::vector<ImportError> errors;  // at most kMaxImportErrors; `rejected` counts all
};

inline constexpr size_t kMaxImportErrors = 1000;

// Imports every data row of `csv`. Errors (the whole import fails and
// nothing is written): InvalidArgument when the header lacks an id column,
// names a column twice, or the text is not CSV at all. Row problems do not
// fail the import; they are in the report. Each accepted row is durable once
// counted.
template <typename T>
Result<ImportReport> ImportCsv(Registry& registry, std::string_view csv,
                               const ImportOptions& options);

}  // namespace metrify::registry
