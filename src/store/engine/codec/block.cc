// Format: docs/format/column-block.md.
//
// The framing fields (codec, flags, count, body size) come first and do not
// depend on the codec, so a reader can find and verify the checksum of any
// block, including one written with a codec it does not know, before it
// trusts anything inside.
#include "store/engine/codec/block.h"

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/varint.h"
#include "store/engine/codec/compression.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/codec/timestamp_codec.h"
#include "store/engine/codec/value_codec.h"

namespace metrify::engine::codec {
namespace {

// No codec spends more than 16 bytes per value (Gorilla's worst case is
// under 10); a larger decompressed size is corruption, not data.
constexpr uint64_t kMaxPayloadBytes = 16 * uint64_t{kMaxBlockValues};

Status Corrupt(std::optional<uint64_t> offset, std::string_view what) {
  if (!offset) return Status::Corruption(fmt::format("column block: {}", what));
  return Status::Corruption(fmt::format("column block at offset {}: {}", *offset, what));
}

// Prefixes a Corruption with the block's position; other codes pass through.
Status WithOffset(const Status& s, std::optional<uint64_t> offset) {
  return s.code() == StatusCode::kCorruption ? Corrupt(offset, s.message()) : s;
}

Status CheckCount(size_t count) {
  if (count <= kMaxBlockValues) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("{} values in one block; the limit is {}", count, kMaxBlockValues));
}

// Appends header, body (stats, payload or its zstd frame) and checksum.
Status Frame(Codec codec, uint32_t count, const BlockStats* stats, std::string_view payload,
             const BlockOptions& options, std::string* dst) {
  std::string compressed;
  bool zstd = false;
  if (options.zstd_level != 0 && !payload.empty()) {
    METRIFY_RETURN_IF_ERROR(ZstdCompress(payload, options.zstd_level, &compressed));
    zstd = compressed.size() + VarintLength(payload.size()) < payload.size();
  }
  std::string body;
  if (stats != nullptr) EncodeStats(*stats, &body);
  if (zstd) PutVarint64(&body, payload.size());
  body.append(zstd ? std::string_view(compressed) : payload);

  const size_t start = dst->size();
  dst->push_back(static_cast<char>(codec));
  dst->push_back(static_cast<char>(zstd ? kFlagZstd : 0));
  PutVarint64(dst, count);
  PutVarint64(dst, body.size());
  dst->append(body);
  PutFixed32(dst, crc32c::Value(dst->data() + start, dst->size() - start));
  return Status::Ok();
}

struct ParsedBlock {
  BlockHeader header;
  std::string_view payload;  // as stored: a zstd frame when header.zstd
  uint64_t raw_size = 0;     // payload bytes after decompression
};

// Reads codec, flags, count and body size, then verifies the checksum.
Status ParseFraming(std::string_view input, ParsedBlock* block, std::string_view* body) {
  std::string_view cursor = input;
  if (cursor.size() < 2) return Status::Corruption("truncated block header");
  block->header.codec = static_cast<Codec>(cursor[0]);
  const auto flags = static_cast<uint8_t>(cursor[1]);
  cursor.remove_prefix(2);
  uint64_t count = 0, body_size = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(&cursor, kMaxBlockValues, &count));
  METRIFY_RETURN_IF_ERROR(GetVarint64(&cursor, &body_size));
  if (cursor.size() < 4 || body_size > cursor.size() - 4) {
    return Status::Corruption("block extends past the end of the input");
  }
  const size_t checked = input.size() - cursor.size() + body_size;
  const uint32_t stored = DecodeFixed32(input.data() + checked);
  const uint32_t actual = crc32c::Value(input.data(), checked);
  if (stored != actual) {
    return Status::Corruption(
        fmt::format("checksum mismatch: stored {:#010x}, computed {:#010x}", stored, actual));
  }
  if ((flags & ~kKnownFlags) != 0)
    return Status::Corruption(fmt::format("unknown flags {:#04x}", flags));
  block->header.zstd = (flags & kFlagZstd) != 0;
  block->header.count = static_cast<uint32_t>(count);
  block->header.size = checked + 4;
  *body = cursor.substr(0, body_size);
  return Status::Ok();
}

Status Parse(std::string_view input, ParsedBlock* block) {
  std::string_view body;
  METRIFY_RETURN_IF_ERROR(ParseFraming(input, block, &body));
  const Codec codec = block->header.codec;
  if (!IsTimestampCodec(codec) && !IsValueCodec(codec)) {
    return Status::Corruption(
        fmt::format("unknown codec {} (written by a newer version?)", static_cast<int>(codec)));
  }
  if (IsValueCodec(codec)) {
    METRIFY_RETURN_IF_ERROR(DecodeStats(&body, block->header.count, &block->header.stats));
  }
  block->raw_size = body.size();
  if (block->header.zstd) {
    METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(&body, kMaxPayloadBytes, &block->raw_size));
  }
  block->payload = body;
  return Status::Ok();
}

// Parses the block and points *payload at its codec bytes: into `input`, or
// into *storage when they had to be decompressed.
Status OpenPayload(std::string_view input, bool want_values, ParsedBlock* block,
                   std::string* storage, std::string_view* payload) {
  METRIFY_RETURN_IF_ERROR(Parse(input, block));
  if (IsValueCodec(block->header.codec) != want_values) {
    return Status::Corruption(want_values ? "a timestamp block where values were expected"
                                          : "a value block where timestamps were expected");
  }
  if (!block->header.zstd) {
    *payload = block->payload;
    return Status::Ok();
  }
  METRIFY_RETURN_IF_ERROR(ZstdDecompress(block->payload, block->raw_size, storage));
  *payload = *storage;
  return Status::Ok();
}

}  // namespace

Status AppendTimestampBlock(std::span<const int64_t> timestamps, const BlockOptions& options,
                            std::string* dst) {
  METRIFY_RETURN_IF_ERROR(CheckCount(timestamps.size()));
  std::string payload;
  EncodeTimestamps(timestamps, &payload);
  return Frame(Codec::kTimestampDeltaOfDelta, static_cast<uint32_t>(timestamps.size()), nullptr,
               payload, options, dst);
}

Status AppendValueBlock(std::span<const double> values, const BlockOptions& options,
                        std::string* dst, BlockStats* stats) {
  METRIFY_RETURN_IF_ERROR(CheckCount(values.size()));
  std::string payload;
  const Codec codec = EncodeValues(values, &payload);
  const BlockStats computed = ComputeStats(values);
  if (stats != nullptr) *stats = computed;
  return Frame(codec, static_cast<uint32_t>(values.size()), &computed, payload, options, dst);
}

Result<BlockHeader> ReadBlockHeader(std::string_view input, std::optional<uint64_t> offset) {
  ParsedBlock block;
  const Status s = Parse(input, &block);
  if (!s.ok()) return WithOffset(s, offset);
  return block.header;
}

Status DecodeTimestampBlock(std::string_view input, std::vector<int64_t>* out,
                            std::optional<uint64_t> offset) {
  ParsedBlock block;
  std::string storage;
  std::string_view payload;
  out->clear();
  Status s = OpenPayload(input, /*want_values=*/false, &block, &storage, &payload);
  if (s.ok()) {
    out->reserve(block.header.count);
    s = DecodeTimestamps(payload, block.header.count, out);
  }
  if (!s.ok()) out->clear();
  return WithOffset(s, offset);
}

Status DecodeValueBlock(std::string_view input, std::vector<double>* out,
                        std::optional<uint64_t> offset) {
  ParsedBlock block;
  std::string storage;
  std::string_view payload;
  out->clear();
  Status s = OpenPayload(input, /*want_values=*/true, &block, &storage, &payload);
  if (s.ok()) {
    out->reserve(block.header.count);
    s = DecodeValues(block.header.codec, payload, block.header.count, out);
  }
  if (!s.ok()) out->clear();
  return WithOffset(s, offset);
}

}  // namespace metrify::engine::codec
