// Rows as the simulator writes and sends them: readings, grid status and
// observations in CSV or NDJSON, every value at its instrument's resolution
// (fixed decimals), so files are byte-identical run to run and what a
// server stores equals what the file says.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/series.h"

namespace metrify::simulate {

enum class RowFormat { kCsv, kNdjson };

// `v` to the nearest multiple of `step` (an instrument's resolution); never
// -0, so files never hold "-0.0".
inline double RoundToStep(double v, double step) { return std::round(v / step) * step + 0.0; }

// One simulated sample: fields in model::SeriesFields(kind) order.
struct Row {
  int source = 0;  // meter, operator or station index
  int64_t timestamp_ms = 0;
  uint16_t present = 0;
  std::array<double, model::kMaxSeriesFields> values{};
  int64_t release_ms = 0;  // when it is sent (late arrivals: after the timestamp)

  void Set(int field, double v) {
    values[field] = v;
    present |= static_cast<uint16_t>(1u << field);
  }
};

// The CSV header line (with '\n') of a kind: id column, timestamp, [interval_s,] fields.
std::string CsvHeader(model::SeriesKind kind);
// Appends `row` of entity `id` as one line (CSV or NDJSON, ending in '\n').
void AppendRow(std::string& out, RowFormat format, model::SeriesKind kind, std::string_view id,
               const Row& row);

}  // namespace metrify::simulate
