// The Gorilla codec (Codec::kGorilla) for doubles that are not short
// decimals: each value is XORed with the previous one and only the meaningful
// bits of the XOR are written, inside a leading/trailing-zero window that is
// reused while it fits (Pelkonen et al., "Gorilla", VLDB 2015, §4.1.2).
// Works on bit patterns, so NaN payloads, ±0, ±inf, denormals and extremes
// round-trip exactly. Byte layout: docs/format/column-block.md, "Gorilla
// payload".
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace metrify::engine::codec {

// Appends the Gorilla encoding of `values` (nothing for an empty span).
void EncodeGorilla(std::span<const double> values, std::string* dst);

// A lower bound on the bytes EncodeGorilla(values) appends, computed without
// encoding: every changed value costs at least 2 control bits plus the
// meaningful bits of its XOR. Lets a caller skip Gorilla when it cannot win.
size_t GorillaSizeLowerBound(std::span<const double> values);

// Decodes exactly `count` values from the whole of `payload`, appending them
// to *out. Returns Corruption when bits run out, a window is invalid, or
// whole bytes remain after the last value; never reads outside `payload`.
Status DecodeGorilla(std::string_view payload, size_t count, std::vector<double>* out);

}  // namespace metrify::engine::codec
