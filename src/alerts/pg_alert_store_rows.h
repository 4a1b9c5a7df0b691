// Internal to PgAlertStore: how an Alert maps onto the PostgreSQL rows of
// the `alerts` table (migration 3 in store/postgres/pg_migrations.cc) and
// the text forms of the parameters libpq sends. Values go as parameters
// ($1, ...), never into the SQL; a batch goes as one array literal per
// column, unnested by the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/alert.h"
#include "store/postgres/pg_connection.h"

namespace metrify::alerts::pg_rows {

using Param = std::optional<std::string>;  // nullopt is SQL NULL

// Text forms of parameters. Empty text, unset times (0) and NaN are NULL,
// as the SQLite store writes them.
std::string Int(int64_t v);
Param Number(double v);
Param NullableText(std::string_view s);
Param NullableTime(int64_t ms);

// An array literal ('{"a","b",NULL}') for a parameter cast to text[],
// bigint[] or float8[]: every element quoted, so any text survives.
class ArrayLiteral {
 public:
  void Add(const Param& element);
  std::string Take();

 private:
  std::string text_ = "{";
};

// The alert of row `row` of a query selecting detail::kColumns. Names this
// store never wrote (a hand-edited row) read as the defaults.
Alert RowOf(const store::PgRows& rows, int row);

// Cell readers that accept NULL: "" and NaN.
std::string TextOf(const store::PgRows& rows, int row, int column);
double NumberOf(const store::PgRows& rows, int row, int column);

}  // namespace metrify::alerts::pg_rows
