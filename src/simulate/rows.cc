#include "simulate/rows.h"

#include <charconv>
#include <cmath>

#include "common/time.h"

namespace metrify::simulate {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;

// Decimals each field is reported with, per kind, in field order.
constexpr int kReadingDecimals[] = {3, 3, 3, 1, 2, 3, 2, 3, 3};
constexpr int kGridDecimals[] = {3, 1, 1, 1, 1, 1, 3};
constexpr int kObservationDecimals[] = {1, 0, 1, 1, 0, 0, 0, 1, 1};

int DecimalsOf(model::SeriesKind kind, int field) {
  switch (kind) {
    case model::SeriesKind::kReading:
      return kReadingDecimals[field];
    case model::SeriesKind::kGridStatus:
      return kGridDecimals[field];
    default:
      return kObservationDecimals[field];
  }
}

std::string_view IdColumn(model::SeriesKind kind) {
  switch (kind) {
    case model::SeriesKind::kReading:
      return "meter_id";
    case model::SeriesKind::kGridStatus:
      return "operator_id";
    default:
      return "station_id";
  }
}

// `v` with exactly `decimals` digits after the point, from its integer
// count of steps: no float formatting, the same text on every machine.
void AppendFixed(std::string& out, double v, int decimals) {
  static constexpr int64_t kScale[] = {1, 10, 100, 1000, 10000};
  int64_t n = std::llround(v * kScale[decimals]);
  if (n < 0) {
    out.push_back('-');
    n = -n;
  }
  char digits[24];
  const int64_t whole = n / kScale[decimals];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, whole).ptr);
  if (decimals == 0) return;
  out.push_back('.');
  int64_t frac = n % kScale[decimals];
  for (int d = decimals - 1; d >= 0; --d) {
    digits[d] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.append(digits, decimals);
}

}  // namespace

std::string CsvHeader(model::SeriesKind kind) {
  std::string h(IdColumn(kind));
  h += ",timestamp";
  if (kind == kReading) h += ",interval_s";
  for (const model::SeriesField& f : model::SeriesFields(kind)) {
    h += ',';
    h += f.name;
  }
  h += '\n';
  return h;
}

void AppendRow(std::string& out, RowFormat format, model::SeriesKind kind, std::string_view id,
               const Row& row) {
  Rfc3339Buffer ts;
  const std::string_view timestamp = FormatRfc3339(row.timestamp_ms, ts);
  const auto& fields = model::SeriesFields(kind);
  if (format == RowFormat::kCsv) {
    out.append(id);
    out.push_back(',');
    out.append(timestamp);
    if (kind == kReading) out.append(",900");
    for (size_t f = 0; f < fields.size(); ++f) {
      out.push_back(',');
      if ((row.present >> f) & 1u) AppendFixed(out, row.values[f], DecimalsOf(kind, f));
    }
  } else {
    out.append("{\"");
    out.append(IdColumn(kind));
    out.append("\":\"");
    out.append(id);
    out.append("\",\"timestamp\":\"");
    out.append(timestamp);
    out.push_back('"');
    if (kind == kReading) out.append(",\"interval_s\":900");
    for (size_t f = 0; f < fields.size(); ++f) {
      if (!((row.present >> f) & 1u)) continue;
      out.append(",\"");
      out.append(fields[f].name);
      out.append("\":");
      AppendFixed(out, row.values[f], DecimalsOf(kind, f));
    }
    out.push_back('}');
  }
  out.push_back('\n');
}

}  // namespace metrify::simulate
