// The timestamp codec (Codec::kTimestampDeltaOfDelta): int64 epoch
// milliseconds as the first value, the first delta and then delta-of-deltas,
// each a zigzag varint, with runs of zero delta-of-deltas collapsed to a
// count. A regular quarter-hour series of any length costs a few bytes.
// Byte layout: docs/format/column-block.md, "Timestamp payload".
//
// Arithmetic wraps modulo 2^64, so any int64 sequence round-trips, including
// INT64_MIN/INT64_MAX neighbours and descending values; blocks hold strictly
// ascending timestamps, but the codec does not depend on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace metrify::engine::codec {

// Appends the encoding of `timestamps` to *dst (nothing for an empty span).
void EncodeTimestamps(std::span<const int64_t> timestamps, std::string* dst);

// Decodes exactly `count` timestamps from the whole of `payload` and appends
// them to *out. Returns Corruption when the payload ends early, holds bytes
// after the last value or describes more than `count` values. Never reads
// outside `payload`; *out may hold a partial result on error.
Status DecodeTimestamps(std::string_view payload, size_t count, std::vector<int64_t>* out);

}  // namespace metrify::engine::codec
