// Constants of the segment file format. Byte layout, checksums and recovery
// rules: docs/format/segment.md. A change here changes that document, the
// golden files under tests/data/format/v<N>/ and kFormatVersion together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace metrify::engine::segment {

// Opens the file header and closes the footer.
inline constexpr std::string_view kMagic = "MTRSEG01";
// The version this code writes and the only one it reads. Version 2 dropped
// the stored block offsets from the index (they follow from the lengths).
inline constexpr uint32_t kFormatVersion = 2;

// magic (8) + version u32 + kind u8 + partition day i32.
inline constexpr size_t kHeaderSize = 17;
// index offset u64 + index length u32 + index crc32c u32 + magic (8).
inline constexpr size_t kFooterSize = 24;

// The index is read whole into memory at open; a larger claim is corrupt.
inline constexpr uint32_t kMaxIndexBytes = 1u << 30;

// Column ids in the index. Ids 0..11 are the kind's fields in
// model/series.h order (value blocks over rows). The rest reach disk too:
// never renumber, never reuse.
inline constexpr uint8_t kColumnTimestamps = 0x80;     // timestamp block, distinct timestamps
inline constexpr uint8_t kColumnRevisionCount = 0x81;  // value block: rows per timestamp
inline constexpr uint8_t kColumnRevision = 0x82;       // value block: revision of each row
inline constexpr uint8_t kColumnInterval = 0x83;       // value block: interval_s of each row
inline constexpr uint8_t kColumnPresent = 0x84;        // value block: present mask of each row

// Block flags in the index (bit set: the column is absent and the index
// holds its constant value, or for kBlockRevised the revision columns exist).
inline constexpr uint8_t kBlockConstInterval = 0x01;
inline constexpr uint8_t kBlockConstPresent = 0x02;
inline constexpr uint8_t kBlockRevised = 0x04;
inline constexpr uint8_t kKnownBlockFlags = 0x07;

}  // namespace metrify::engine::segment
