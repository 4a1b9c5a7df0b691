// The scaled-integer codec (Codec::kScaledInt) for short decimals such as
// meter readings at 0.001 kWh or voltages at 0.1 V: every value v is stored
// as the integer n with v == n / 10^k exactly (same bits), for one decimal
// scale k in 0..9 per block. The integers, or their first or second
// differences (whichever packs smallest), are bit-packed in mini-blocks of
// 32 with a per-mini-block minimum and bit width (frame of reference).
// Byte layout: docs/format/column-block.md, "Scaled-integer payload".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace metrify::engine::codec {

// The value the codec decodes integer `n` at scale `k` to: the double nearest
// to n / 10^k. REQUIRES: 0 <= k <= kMaxScale, |n| <= kMaxScaledMagnitude.
double ScaledToDouble(int64_t n, int k);

// Finds the smallest scale k in 0..9 at which every value round-trips
// bit-exactly and stores k and the integers. Returns false (leaving the
// outputs unspecified) when there is none: NaN, ±inf and -0.0 never qualify,
// nor values that are not short decimals (0.1 + 0.2) or whose integer would
// exceed 2^53 in magnitude.
bool ToScaledInts(std::span<const double> values, int* scale, std::vector<int64_t>* ints);

// Appends the kScaledInt payload for `ints` at `scale`, choosing the
// difference order that packs smallest.
// REQUIRES: `scale` and `ints` come from a successful ToScaledInts.
void EncodeScaledInts(std::span<const int64_t> ints, int scale, std::string* dst);

// Decodes exactly `count` values from the whole of `payload`, appending them
// to *out. Returns Corruption on a bad header byte, a truncated payload,
// trailing bytes or an integer beyond 2^53; never reads outside `payload`.
Status DecodeScaledInts(std::string_view payload, size_t count, std::vector<double>* out);

}  // namespace metrify::engine::codec
