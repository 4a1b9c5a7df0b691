// Constants of the column block format. The bytes are documented in
// docs/format/column-block.md; a change here changes that document, the
// golden files under tests/data/format/v1/ and the format version together.
#pragma once

#include <cstddef>
#include <cstdint>

namespace metrify::engine::codec {

// The codec byte that opens every block. These values reach disk: never
// renumber, never reuse a retired value. 0 is never written, so a zeroed
// block is rejected.
enum class Codec : uint8_t {
  // Timestamp columns (int64 epoch ms).
  kTimestampDeltaOfDelta = 1,  // first value, first delta, zigzag delta-of-deltas, zero runs
  // Value columns (double).
  kConstant = 2,   // every value has the same bit pattern; stored once
  kScaledInt = 3,  // short decimals: integers at scale 10^-k, bit-packed residuals
  kGorilla = 4,    // XOR with the previous value, Gorilla (VLDB 2015) windows
  kPlain = 5,      // 8-byte little-endian doubles; the worst-case bound
};

// True for the codecs a timestamp column may use.
inline bool IsTimestampCodec(Codec c) { return c == Codec::kTimestampDeltaOfDelta; }
// True for the codecs a value column may use.
inline bool IsValueCodec(Codec c) {
  return c == Codec::kConstant || c == Codec::kScaledInt || c == Codec::kGorilla ||
         c == Codec::kPlain;
}

// Bits of the block's flags byte. Readers reject a block with any other bit
// set: a newer writer's feature must not be silently misread.
inline constexpr uint8_t kFlagZstd = 0x01;  // the payload is one zstd frame
inline constexpr uint8_t kKnownFlags = kFlagZstd;

// Upper bound on the values in one block; a header claiming more is corrupt.
inline constexpr uint32_t kMaxBlockValues = 1u << 16;

// kScaledInt: the largest decimal scale (value = integer / 10^k) and the
// largest magnitude of the integers (beyond 2^53 a double is no longer exact).
inline constexpr int kMaxScale = 9;
inline constexpr int64_t kMaxScaledMagnitude = int64_t{1} << 53;
// kScaledInt residuals are bit-packed in mini-blocks of this many values,
// each with its own minimum and bit width.
inline constexpr size_t kMiniBlockValues = 32;

// Stats section: the scale byte that means "stored as raw doubles".
inline constexpr uint8_t kStatsRawDoubles = 0xFF;

}  // namespace metrify::engine::codec
