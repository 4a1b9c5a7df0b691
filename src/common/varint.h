// LEB128 variable-length integers and zigzag signed integers.
//
// Encoding: seven bits per byte, least significant group first; the high bit
// of a byte says another byte follows. A uint64 takes 1 to 10 bytes. Signed
// values are zigzag-mapped first (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) so
// small magnitudes of either sign stay short. docs/format/column-block.md
// and docs/format/wal.md rely on these rules.
//
// Readers take a cursor (a std::string_view they advance past what they
// consume) and never read past its end: a truncated or overlong varint is
// reported as Corruption and leaves the cursor unspecified.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace metrify {

// The largest encoding of a uint64.
inline constexpr int kMaxVarint64Bytes = 10;

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Bytes PutVarint64(v) appends: 1 to 10.
int VarintLength(uint64_t v);

// Appends the varint encoding of `v` to *dst.
void PutVarint64(std::string* dst, uint64_t v);
// Appends the varint encoding of ZigZagEncode(v) to *dst.
void PutVarsint64(std::string* dst, int64_t v);

// Reads one varint from the front of *input and advances it.
// Returns Corruption when the input ends inside the varint or when the
// varint runs past 10 bytes or past 64 bits.
Status GetVarint64(std::string_view* input, uint64_t* value);
// As GetVarint64, then zigzag-decodes.
Status GetVarsint64(std::string_view* input, int64_t* value);
// As GetVarint64, and returns Corruption when the value exceeds `limit`
// (a count or length read from untrusted bytes).
Status GetVarint64AtMost(std::string_view* input, uint64_t limit, uint64_t* value);

}  // namespace metrify
