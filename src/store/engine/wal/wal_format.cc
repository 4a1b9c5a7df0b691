// The WAL's byte layout: docs/format/wal.md.
#include "store/engine/wal/wal_format.h"

#include <fmt/format.h>

#include "common/crc32c.h"
#include "store/engine/codec/fixed_width.h"

namespace metrify::engine::wal {

using codec::DecodeFixed32;
using codec::DecodeFixed64;
using codec::PutFixed32;
using codec::PutFixed64;

std::string WalFileName(uint64_t sequence) { return fmt::format("{:08d}.wal", sequence); }

std::optional<uint64_t> ParseWalFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() < 8 + kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return std::nullopt;  // would overflow; never written
  uint64_t sequence = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<uint64_t>(c - '0');
  }
  // Names are written with exactly the digits needed past 8: reject "000000042.wal".
  if (WalFileName(sequence) != name) return std::nullopt;
  return sequence;
}

std::string EncodeFileHeader(uint64_t sequence) {
  std::string header(kFileMagic);
  PutFixed32(&header, kFormatVersion);
  PutFixed64(&header, sequence);
  PutFixed32(&header, crc32c::Value(header));
  return header;
}

namespace {

// Whether the first bytes could be a torn write of our header: a prefix of
// the magic, or zeros (a file extended by a crash before its data landed).
// Anything else is some other file, which recovery must never cut.
bool CouldBeOurHeader(std::string_view bytes) {
  const std::string_view prefix = bytes.substr(0, kFileMagic.size());
  return prefix == kFileMagic.substr(0, prefix.size()) ||
         prefix.find_first_not_of('\0') == std::string_view::npos;
}

}  // namespace

HeaderCheck CheckFileHeader(std::string_view bytes, uint64_t sequence, std::string* reason) {
  if (!CouldBeOurHeader(bytes)) {
    *reason = "not a WAL file (bad magic)";
    return HeaderCheck::kNotWal;
  }
  if (bytes.size() < kFileHeaderSize) {
    *reason = fmt::format("file header cut short ({} of {} bytes)", bytes.size(), kFileHeaderSize);
    return HeaderCheck::kDamaged;
  }
  const uint32_t stored = DecodeFixed32(bytes.data() + 20);
  const uint32_t actual = crc32c::Value(bytes.data(), 20);
  if (stored != actual || bytes.substr(0, kFileMagic.size()) != kFileMagic) {
    *reason = fmt::format("file header checksum mismatch (stored {:#010x}, computed {:#010x})",
                          stored, actual);
    return HeaderCheck::kDamaged;
  }
  const uint32_t version = DecodeFixed32(bytes.data() + 8);
  if (version != kFormatVersion) {
    *reason = fmt::format("WAL format version {} is not supported (this binary reads {})", version,
                          kFormatVersion);
    return HeaderCheck::kNewerVersion;
  }
  const uint64_t written = DecodeFixed64(bytes.data() + 12);
  if (written != sequence) {
    *reason = fmt::format("file header says sequence {}, the name says {}", written, sequence);
    return HeaderCheck::kWrongSequence;
  }
  return HeaderCheck::kValid;
}

uint32_t RecordChecksum(uint8_t type, std::string_view payload) {
  const char type_byte = static_cast<char>(type);
  return crc32c::Extend(crc32c::Value(&type_byte, 1), payload.data(), payload.size());
}

void EncodeRecordHeader(uint8_t type, std::string_view payload, char* out) {
  const uint32_t crc = RecordChecksum(type, payload);
  const auto length = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>(crc >> (8 * i));
    out[4 + i] = static_cast<char>(length >> (8 * i));
  }
  out[8] = static_cast<char>(type);
}

Status CorruptionAt(std::string_view file, uint64_t offset, std::string_view what) {
  return Status::Corruption(fmt::format("{} offset {}: {}", file, offset, what));
}

}  // namespace metrify::engine::wal
