// Value column codecs: chooses, per block, the smallest of
//   kConstant  every value has the same bit pattern (8 bytes in all),
//   kScaledInt short decimals as bit-packed integers (scaled_int_codec.h),
//   kGorilla   XOR-based float compression (gorilla_codec.h),
//   kPlain     8-byte little-endian doubles (the worst-case bound),
// and decodes any of them. Every codec is lossless to the bit: NaN payloads,
// -0.0, infinities and denormals come back exactly.
// Byte layouts: docs/format/column-block.md.
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/engine/codec/format.h"

namespace metrify::engine::codec {

// Appends the smallest encoding of `values` to *dst and returns its codec.
// An empty span is written as kPlain with no bytes. Ties prefer the earlier
// codec of the list above.
Codec EncodeValues(std::span<const double> values, std::string* dst);

// Appends the encoding of `values` with `codec`, for tests and benchmarks
// that compare codecs. Returns InvalidArgument when `codec` is not a value
// codec or cannot hold these values (kConstant over differing bit patterns,
// kScaledInt over values that are not short decimals, any codec but kPlain
// for an empty span); *dst is then unchanged.
Status EncodeValuesWith(Codec codec, std::span<const double> values, std::string* dst);

// Decodes exactly `count` values written with `codec` from the whole of
// `payload`, appending them to *out. An empty block has an empty payload.
// Returns Corruption when `codec` is not a value codec or the payload is
// damaged (truncated, trailing bytes, out-of-range fields); never reads
// outside `payload`. *out may hold a partial result on error.
Status DecodeValues(Codec codec, std::string_view payload, size_t count, std::vector<double>* out);

}  // namespace metrify::engine::codec
