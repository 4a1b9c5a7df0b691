// Constants and framing of the write-ahead log. The bytes are documented in
// docs/format/wal.md; a change here changes that document, the golden file
// tests/data/format/v1/wal_sample_batch.wal and kFormatVersion together.
//
//   file   = file header, then records back to back, no padding
//   header = magic "MTRWAL01" | version u32 | sequence u64 | crc32c u32   (24 bytes)
//   record = crc32c u32 | length u32 | type u8 | payload (length bytes)
// Integers are little-endian. The record CRC32C covers type and payload and
// is stored unmasked, like the column blocks' (common/crc32c.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace metrify::engine::wal {

inline constexpr std::string_view kFileMagic = "MTRWAL01";
// The version this binary writes and the only one it reads.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFileHeaderSize = 24;   // magic 8, version 4, sequence 8, crc 4
inline constexpr size_t kRecordHeaderSize = 9;  // crc 4, length 4, type 1
// The largest payload a writer accepts and a reader believes; a length
// field above it is damage.
inline constexpr uint32_t kMaxRecordPayload = 32u << 20;

// The type byte of a record. These values reach disk: never renumber, never
// reuse a retired value. 0 is never written, so zeroed bytes never parse.
enum RecordType : uint8_t {
  kSampleBatch = 1,  // sample_batch.h: one batch of samples of one series kind
};

// Whether this binary knows `type`; a CRC-valid record of any other type was
// written by a newer version and is Corruption for this one.
inline bool IsKnownRecordType(uint8_t type) { return type == kSampleBatch; }

// File names: the sequence number, zero-padded to 8 digits, then ".wal"
// ("00000042.wal"). Numbers past 99,999,999 simply take more digits.
std::string WalFileName(uint64_t sequence);
// The sequence number of a WAL file name, or nullopt for any other name.
std::optional<uint64_t> ParseWalFileName(std::string_view name);

// The 24-byte header that opens file number `sequence`.
std::string EncodeFileHeader(uint64_t sequence);

// What a file's first bytes are.
enum class HeaderCheck {
  kValid,
  kDamaged,        // short, zeroed or checksum mismatch: a torn write of a header
  kNotWal,         // does not start like our magic: some other file
  kNewerVersion,   // checksum matches, a version this binary cannot read
  kWrongSequence,  // checksum matches, the sequence is not the file name's
};
// Checks `bytes` (the file's first bytes, possibly fewer than 24) as the
// header of file number `sequence`; *reason explains anything but kValid.
HeaderCheck CheckFileHeader(std::string_view bytes, uint64_t sequence, std::string* reason);

// Writes the 9-byte header of a record of `type` carrying `payload` to
// out[0, kRecordHeaderSize). REQUIRES: payload.size() <= kMaxRecordPayload.
void EncodeRecordHeader(uint8_t type, std::string_view payload, char* out);

// The CRC32C a record of `type` with `payload` carries.
uint32_t RecordChecksum(uint8_t type, std::string_view payload);

// Corruption naming the file and byte offset: "<file> offset <n>: <what>".
Status CorruptionAt(std::string_view file, uint64_t offset, std::string_view what);

}  // namespace metrify::engine::wal
