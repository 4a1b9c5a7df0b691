// Column blocks: the unit a segment stores per series and field. A block
// holds up to kMaxBlockValues timestamps or values of one column, encoded by
// one codec (format.h), optionally zstd-compressed, followed by a CRC32C. A
// value block carries BlockStats in its header so aggregate queries can skip
// decoding it. Blocks are self-delimiting: a reader given bytes that start at
// a block learns the block's size from its header.
// Byte layout: docs/format/column-block.md.
//
// Thread safety: all functions may be called from any thread concurrently.
//
// Example:
//   std::string bytes;
//   METRIFY_RETURN_IF_ERROR(AppendValueBlock(energy, {}, &bytes));
//   std::vector<double> back;
//   METRIFY_RETURN_IF_ERROR(DecodeValueBlock(bytes, &back));
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "store/engine/codec/block_stats.h"
#include "store/engine/codec/format.h"

namespace metrify::engine::codec {

struct BlockOptions {
  // zstd level for the codec payload; 0 turns zstd off. Default 3 (zstd's
  // own default): higher levels save little on codec output and cost encode
  // time. zstd is applied only when it makes the block smaller, so small or
  // already dense payloads are stored as the codec wrote them.
  int zstd_level = 3;
};

// What a block's header says, read without decompressing or decoding.
struct BlockHeader {
  Codec codec = Codec::kPlain;
  bool zstd = false;   // the payload is a zstd frame
  uint32_t count = 0;  // values (or timestamps) in the block
  BlockStats stats;    // value blocks only; default for timestamp blocks
  size_t size = 0;     // bytes of the whole block, checksum included
};

// Appends one timestamp block holding `timestamps` to *dst.
// REQUIRES: strictly ascending (the segment relies on it for range lookups;
// the encoding itself round-trips any sequence).
// Returns InvalidArgument for more than kMaxBlockValues timestamps or a zstd
// level zstd refuses, Internal if libzstd fails; *dst is unchanged on error.
Status AppendTimestampBlock(std::span<const int64_t> timestamps, const BlockOptions& options,
                            std::string* dst);

// Appends one value block holding `values` to *dst, with the smallest codec
// for them (value_codec.h). When `stats` is not null it receives the block's
// statistics, as stored in the header. Errors as AppendTimestampBlock.
Status AppendValueBlock(std::span<const double> values, const BlockOptions& options,
                        std::string* dst, BlockStats* stats = nullptr);

// Reads the header of the block at the start of `input` (which may continue
// past the block) and verifies its checksum; does not decompress.
// Returns Corruption, naming `offset` when given (the block's position in its
// file), for a truncated block, a checksum mismatch, unknown flags or an
// unknown codec (a newer writer's codec is not guessed at).
Result<BlockHeader> ReadBlockHeader(std::string_view input,
                                    std::optional<uint64_t> offset = std::nullopt);

// Decodes the timestamp block at the start of `input` into *out (replacing
// its contents). Errors as ReadBlockHeader, plus Corruption when the block is
// a value block or its payload is damaged.
Status DecodeTimestampBlock(std::string_view input, std::vector<int64_t>* out,
                            std::optional<uint64_t> offset = std::nullopt);

// Decodes the value block at the start of `input` into *out (replacing its
// contents). Errors as DecodeTimestampBlock, with the roles swapped.
Status DecodeValueBlock(std::string_view input, std::vector<double>* out,
                        std::optional<uint64_t> offset = std::nullopt);

}  // namespace metrify::engine::codec
