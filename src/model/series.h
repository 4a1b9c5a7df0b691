// Time series kinds and samples (DESIGN.md §3): meter readings, grid status
// and weather observations share one shape in the readings engine: an entity
// id, an instant, and a fixed list of float fields per kind.
//
// SeriesKind values and the order of each kind's fields reach disk (WAL and
// segments): never renumber or reorder; add new fields at the end.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace metrify::model {

enum class SeriesKind : uint8_t {
  kReading = 1,      // a smart meter's interval reading
  kGridStatus = 2,   // a grid operator's status sample
  kObservation = 3,  // a weather station's observation
  // VEE's verdict on a meter's interval where it differs from the raw
  // reading: an estimate, an invalid or missing value, a rule that fired
  // (docs/vee.md). Keyed like readings (meter keys); written only by VEE.
  kVeeOverlay = 4,
};
// The kind whose entities key `kind`'s series: the VEE overlay is keyed by
// meters, like readings; every other kind by its own.
constexpr SeriesKind EntityKindOf(SeriesKind kind) {
  return kind == SeriesKind::kVeeOverlay ? SeriesKind::kReading : kind;
}
// Every kind, in SeriesKind order.
inline constexpr SeriesKind kAllSeriesKinds[] = {SeriesKind::kReading, SeriesKind::kGridStatus,
                                                 SeriesKind::kObservation, SeriesKind::kVeeOverlay};

struct SeriesField {
  std::string_view name;  // wire name, e.g. "energy_kwh"
  std::string_view unit;  // "kWh", "V", "%", ...
  std::string_view description;
};

// The fields of a kind, in their on-disk order.
const std::vector<SeriesField>& SeriesFields(SeriesKind kind);
// Index of `name` among the kind's fields, or nullopt.
std::optional<int> SeriesFieldIndex(SeriesKind kind, std::string_view name);
// "reading", "grid_status", "observation".
std::string_view SeriesKindName(SeriesKind kind);

// Upper bound of fields of any kind, so samples need no allocation per value.
inline constexpr int kMaxSeriesFields = 12;

// Default length of a meter reading's interval: a quarter hour.
inline constexpr int32_t kDefaultIntervalSeconds = 900;

// One sample of one entity at one instant. A field is present when its bit
// is set in `present`; absent fields hold NaN.
struct Sample {
  std::string entity_id;     // meter, grid operator or weather station id
  int64_t timestamp_ms = 0;  // UTC; for readings the END of the interval
  int32_t interval_s = 0;    // readings: interval length; others: 0
  uint16_t present = 0;      // bit i set: values[i] was given
  std::array<double, kMaxSeriesFields> values{};

  bool Has(int field) const { return (present >> field) & 1u; }
  void Set(int field, double value) {
    values[field] = value;
    present |= static_cast<uint16_t>(1u << field);
  }
};

}  // namespace metrify::model
