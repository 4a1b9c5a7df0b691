// WAL replay: docs/format/wal.md ("Recovery") for the policy.
#include "store/engine/wal/wal_reader.h"

#include <fmt/format.h>

#include "store/engine/codec/fixed_width.h"
#include "store/engine/wal/wal_files.h"
#include "store/engine/wal/wal_format.h"

namespace metrify::engine::wal {
namespace {

using codec::DecodeFixed32;

struct RecordView {
  uint8_t type = 0;
  std::string_view payload;
  uint64_t end = 0;  // offset just past the record
};

// Parses the record starting at `offset`. Returns false with *reason when
// the bytes there are not a whole record with a matching checksum.
bool ParseRecord(std::string_view data, uint64_t offset, RecordView* record, std::string* reason) {
  const uint64_t left = data.size() - offset;
  if (left < kRecordHeaderSize) {
    *reason = fmt::format("record header cut short ({} of {} bytes)", left, kRecordHeaderSize);
    return false;
  }
  const char* header = data.data() + offset;
  const uint32_t length = DecodeFixed32(header + 4);
  if (length > kMaxRecordPayload) {
    *reason = fmt::format("record length {} exceeds the limit {}", length, kMaxRecordPayload);
    return false;
  }
  if (left - kRecordHeaderSize < length) {
    *reason =
        fmt::format("record cut short ({} of {} payload bytes)", left - kRecordHeaderSize, length);
    return false;
  }
  record->type = static_cast<uint8_t>(header[8]);
  record->payload = data.substr(offset + kRecordHeaderSize, length);
  record->end = offset + kRecordHeaderSize + length;
  const uint32_t stored = DecodeFixed32(header);
  const uint32_t actual = RecordChecksum(record->type, record->payload);
  if (stored != actual) {
    *reason = fmt::format("record checksum mismatch (stored {:#010x}, computed {:#010x})", stored,
                          actual);
    return false;
  }
  return true;
}

// The offset of the first record after `offset` whose checksum matches, if
// any. Tries every byte offset: damage destroys the framing, so record
// boundaries past it are unknown. Zero type bytes are skipped (never
// written), so a zero-filled tail costs one comparison per byte.
std::optional<uint64_t> FindValidRecordAfter(std::string_view data, uint64_t offset) {
  for (uint64_t at = offset + 1; at + kRecordHeaderSize <= data.size(); ++at) {
    if (data[at + 8] == 0) continue;
    RecordView record;
    std::string reason;
    if (ParseRecord(data, at, &record, &reason)) return at;
  }
  return std::nullopt;
}

// Damage at `offset` of the file at `path`: cut away if it is a torn tail of
// the last file, Corruption otherwise.
Status HandleDamage(FileSystem& fs, const std::string& path, std::string_view data, uint64_t offset,
                    const std::string& reason, bool last, ReplayReport* report) {
  if (!last) return CorruptionAt(path, offset, reason + " (in a WAL file that is not the last)");
  if (const auto next = FindValidRecordAfter(data, offset)) {
    return CorruptionAt(path, offset,
                        fmt::format("{}, and a valid record follows at offset {}", reason, *next));
  }
  METRIFY_RETURN_IF_ERROR(fs.Truncate(path, offset));
  report->truncation = ReplayReport::Truncation{path, offset, data.size() - offset, reason};
  return Status::Ok();
}

Status ReplayFile(FileSystem& fs, const std::string& dir, uint64_t sequence, bool last,
                  const ReplayCallback& callback, ReplayReport* report) {
  const std::string path = WalFilePath(dir, sequence);
  // Whole files, read at once: replay is sequential, runs once at start,
  // and the damage scan needs random access to the rest of the file.
  METRIFY_ASSIGN_OR_RETURN(const std::string data, fs.ReadFile(path));
  if (data.empty() && last) return Status::Ok();  // created, header never written
  std::string reason;
  switch (CheckFileHeader(data, sequence, &reason)) {
    case HeaderCheck::kValid:
      break;
    case HeaderCheck::kDamaged:
      return HandleDamage(fs, path, data, 0, reason, last, report);
    default:
      return CorruptionAt(path, 0, reason);
  }
  for (uint64_t offset = kFileHeaderSize; offset < data.size();) {
    RecordView record;
    if (!ParseRecord(data, offset, &record, &reason)) {
      return HandleDamage(fs, path, data, offset, reason, last, report);
    }
    // Intact but unknown: a newer writer made it deliberately. Not a torn
    // tail, so never cut, even at the very end.
    if (!IsKnownRecordType(record.type)) {
      return CorruptionAt(
          path, offset,
          fmt::format("unknown record type {} (written by a newer Metrify?)", record.type));
    }
    const Status status = callback(sequence, offset, record.type, record.payload);
    if (!status.ok()) {
      return Status(status.code(), fmt::format("{} offset {}: {}", path, offset, status.message()),
                    status.details());
    }
    ++report->records;
    offset = record.end;
  }
  return Status::Ok();
}

// Corruption when the sequence numbers have a hole: a file was lost.
Status CheckContiguous(const std::string& dir, const std::vector<uint64_t>& sequences) {
  for (size_t i = 1; i < sequences.size(); ++i) {
    if (sequences[i] != sequences[i - 1] + 1) {
      return CorruptionAt(WalFilePath(dir, sequences[i - 1] + 1), 0,
                          fmt::format("missing: the WAL has {} and then {}",
                                      WalFileName(sequences[i - 1]), WalFileName(sequences[i])));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ReplayWal(FileSystem& fs, const std::string& dir, const ReplayCallback& callback,
                 ReplayReport* report) {
  *report = ReplayReport{};
  Result<WalFiles> files = ListWalFiles(fs, dir);
  if (!files.has_value() && files.error().code() == StatusCode::kNotFound) return Status::Ok();
  if (!files.has_value()) return files.error();
  for (const std::string& stray : files->strays) {
    report->notes.push_back(fmt::format("ignored stray file '{}' in {}", stray, dir));
  }
  const std::vector<uint64_t>& sequences = files->sequences;
  // Checked before any record is replayed: a lost file is fatal wherever
  // it is, and the callback should not build a head that must be dropped.
  METRIFY_RETURN_IF_ERROR(CheckContiguous(dir, sequences));
  for (size_t i = 0; i < sequences.size(); ++i) {
    // Only the last file can end in a write that was never acknowledged:
    // the writer syncs a file's final group before it creates the next.
    const bool last = i + 1 == sequences.size();
    METRIFY_RETURN_IF_ERROR(ReplayFile(fs, dir, sequences[i], last, callback, report));
    if (report->first_sequence == 0) report->first_sequence = sequences[i];
    report->last_sequence = sequences[i];
    ++report->files;
  }
  return Status::Ok();
}

}  // namespace metrify::engine::wal
