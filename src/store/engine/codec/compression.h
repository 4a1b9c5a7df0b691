// zstd compression of block payloads, through libzstd.
//
// Thread safety: safe from any thread; each thread keeps one compression and
// one decompression context, created on first use and reused (creating a
// context per block would cost more than compressing a small block).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace metrify::engine::codec {

// Replaces *out with one zstd frame holding `input`, at `level` (zstd's
// levels: 1-19 usual, 3 its default, negative levels faster). The frame
// omits the content size and checksum: the block records the size and a
// CRC32C covers the frame. Returns InvalidArgument for a level zstd refuses,
// Internal when libzstd fails.
Status ZstdCompress(std::string_view input, int level, std::string* out);

// Replaces *out with the decompression of the frame `input`, which must
// produce exactly `raw_size` bytes. Returns Corruption otherwise.
Status ZstdDecompress(std::string_view input, size_t raw_size, std::string* out);

}  // namespace metrify::engine::codec
