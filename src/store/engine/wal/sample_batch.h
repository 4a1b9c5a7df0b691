// The payload of a kSampleBatch WAL record: one batch of samples of one
// series kind, as the engine acknowledges it. Layout in docs/format/wal.md
// ("Sample batch payload"):
//
//   kind u8 | count varint | count × sample
//   sample = entity_key varint | timestamp delta zigzag varint |
//            interval_s varint | present varint | one f64 LE per present bit
//
// The timestamp delta is against the previous sample of the batch (the first
// against 0). Values are the raw IEEE 754 bit patterns, so NaN payloads, -0.0
// and infinities come back exactly; absent fields decode as NaN.
//
// Thread safety: pure functions, callable from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/series.h"

namespace metrify::engine::wal {

// One sample as the WAL keeps it: the entity is the registry's dense key,
// not its id string (model::Sample holds the id).
struct WalSample {
  uint32_t entity_key = 0;   // `key` column of meters / grid_operators / weather_stations
  int64_t timestamp_ms = 0;  // UTC epoch milliseconds
  int32_t interval_s = 0;    // readings: interval length; others: 0
  uint16_t present = 0;      // bit i set: values[i] holds field i of the kind
  std::array<double, model::kMaxSeriesFields> values{};
};

// Appends the payload for `samples` of `kind` to *dst. Bits of `present` at
// or above kMaxSeriesFields are not written.
void EncodeSampleBatch(model::SeriesKind kind, std::span<const WalSample> samples,
                       std::string* dst);

// Decodes a payload written by EncodeSampleBatch into *kind and *samples
// (replacing their contents). Returns Corruption, naming the sample, when
// the bytes are cut short, carry trailing bytes, an unknown kind, a key above
// 2^32 - 1 or a present bit at or above kMaxSeriesFields; *samples is then
// unspecified. Absent fields are NaN.
Status DecodeSampleBatch(std::string_view payload, model::SeriesKind* kind,
                         std::vector<WalSample>* samples);

}  // namespace metrify::engine::wal
