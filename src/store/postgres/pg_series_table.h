// The SQL shape of one series kind's table in scaled mode: its name, the
// column holding the entity key and the field columns in the kind's field
// order (model::SeriesFields), and the statements built from them once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/series.h"

namespace metrify::store {

struct PgSeriesTable {
  model::SeriesKind kind = model::SeriesKind::kReading;
  std::string table;                // "readings"
  std::string key_column;           // "meter_key"
  std::vector<std::string> fields;  // "energy_kwh", ...
  std::string incoming;             // the temporary table writes go through
  std::string create_incoming;      // CREATE TEMP TABLE IF NOT EXISTS ...
  std::string copy_incoming;        // COPY incoming (...) FROM STDIN binary
  std::string upsert;               // $1, $2: ts range of the incoming rows
  std::string copy_direct;          // COPY table (...) FROM STDIN binary: all rows new
  // latest_samples moved forward by incoming's rows; returns, as upsert's
  // third column does, the array of entities that got their first row
  std::string latest_from_incoming;
  std::string read_latest;       // $1 key, $2 start, $3 end
  std::string read_latest_many;  // $1 keys (array), $2 start, $3 end; the key last
};

// The table of `kind`; every kind has one.
const PgSeriesTable& PgSeriesTableOf(model::SeriesKind kind);

}  // namespace metrify::store
