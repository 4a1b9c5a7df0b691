// The value stored for one meter in the latest-reading cache: a
// HeadSample in a compact, bit-exact binary form. The layout is specified
// in docs/cache.md, "Latest sample encoding"; the Lua script in
// redis_latest_cache.cc reads its timestamp and revision, so a change here
// means a new version byte and a change there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/engine/head/head.h"

namespace metrify::cache {

// Version byte of the encoding. Never reuse a number.
inline constexpr uint8_t kLatestSampleVersion = 1;
// Bytes before the values: version, timestamp, revision, interval, present.
inline constexpr size_t kLatestSampleHeaderBytes = 17;

// Encodes `sample`: the header, then the IEEE-754 bits of each present
// field's value (absent fields cost nothing). REQUIRES: no bit at or above
// model::kMaxSeriesFields is set in sample.present.
std::string EncodeLatestSample(const engine::HeadSample& sample);

// Decodes what EncodeLatestSample wrote, bit for bit; absent fields read as
// +0.0. Errors: NotFound for another version (a newer replica's format:
// treat as a miss); Corruption for a wrong length or present bits beyond the
// fields.
Result<engine::HeadSample> DecodeLatestSample(std::string_view bytes);

}  // namespace metrify::cache
