// ReadingsEngine::Backup: a consistent copy of the engine's files while
// appends go on (docs/engine.md, "Backup"; docs/operations.md).
//
//  1. FlushAll: the head goes into segments, so the copy is mostly hard
//     links and the WAL left to copy is short. A failed flush does not stop
//     the backup: the WAL still holds what it could not write.
//  2. Under flush_mu_ until the end, so no flush or compaction adds,
//     replaces or deletes a segment or deletes a WAL file meanwhile:
//     a. The append gate is closed for an instant, just long enough to note
//        the number and size of every WAL file. No append is in flight then,
//        so each file ends with a whole record, and the catalog's segments
//        plus the WAL up to those sizes hold exactly the batches whose Append
//        returned before that instant: the backup's point in time. Appends
//        go on at once.
//     b. Every segment of the catalog is hard-linked into dir (segments are
//        immutable: compaction replaces a file by rename, never in place, so
//        the link keeps the old contents), or copied when link(2) cannot
//        link across file systems or on this one.
//     c. Every WAL file is copied up to its noted size; bytes appended since
//        are not part of the backup.
//     d. Copies are fsynced, then every directory created.
//
// A copy of the WAL taken this way never has a torn tail, unlike a copy of
// a file being appended; a batch acknowledged while the backup ran may or
// may not be in it, but each is wholly in or wholly out.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "obs/log.h"
#include "store/engine/readings_engine.h"
#include "store/engine/segment/segment_files.h"
#include "store/engine/wal/wal_files.h"

namespace metrify::engine {

namespace {

constexpr size_t kCopyChunk = 4u << 20;

// Copies the first `size` bytes of `from` to `to` (a new file) and syncs it.
Status CopyPrefix(FileSystem& fs, const std::string& from, const std::string& to, uint64_t size) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenForAppend(to));
  for (uint64_t offset = 0; offset < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, size - offset));
    METRIFY_ASSIGN_OR_RETURN(std::string chunk, fs.ReadAt(from, offset, n));
    if (chunk.empty()) {
      return Status::IOError(
          fmt::format("copy {}: the file ends at {} bytes, {} expected", from, offset, size));
    }
    METRIFY_RETURN_IF_ERROR(out->Append(chunk));
    offset += chunk.size();
  }
  METRIFY_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

// Hard-links `from` to `to`; copies (through `fs`) when the two are on
// different file systems or this one cannot link. Returns true when linked.
Result<bool> LinkOrCopy(FileSystem& fs, const std::string& from, const std::string& to,
                        uint64_t size) {
  if (::link(from.c_str(), to.c_str()) == 0) return true;
  const int error = errno;
  if (error != EXDEV && error != EPERM && error != EMLINK && error != EOPNOTSUPP) {
    return Status::IOError(fmt::format("link {} {}: {}", from, to, std::strerror(error)));
  }
  METRIFY_RETURN_IF_ERROR(CopyPrefix(fs, from, to, size));
  return false;
}

// InvalidArgument unless `dir` is missing or an empty directory outside
// `root`.
Status CheckTarget(FileSystem& fs, const std::string& root, const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("the backup directory is empty text");
  std::error_code ec_root, ec_dir;
  const std::filesystem::path canonical_root = std::filesystem::weakly_canonical(root, ec_root);
  const std::filesystem::path canonical_dir = std::filesystem::weakly_canonical(dir, ec_dir);
  if (!ec_root && !ec_dir) {
    const auto [root_end, dir_at] = std::mismatch(canonical_root.begin(), canonical_root.end(),
                                                  canonical_dir.begin(), canonical_dir.end());
    if (root_end == canonical_root.end()) {
      return Status::InvalidArgument(
          fmt::format("backup directory {} lies inside the engine's directory {}", dir, root));
    }
  }
  Result<std::vector<std::string>> names = fs.ListDir(dir);
  if (!names && names.error().code() == StatusCode::kNotFound) return Status::Ok();
  if (!names) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
      return Status::InvalidArgument(fmt::format("backup directory {} is not a directory", dir));
    }
    return names.error();
  }
  if (!names->empty()) {
    return Status::InvalidArgument(
        fmt::format("backup directory {} is not empty ({} entries)", dir, names->size()));
  }
  return Status::Ok();
}

struct WalCut {
  uint64_t sequence = 0;
  uint64_t bytes = 0;
};

}  // namespace

Result<BackupReport> ReadingsEngine::Backup(const std::string& dir) {
  METRIFY_RETURN_IF_ERROR(CheckTarget(fs_, root_, dir));
  if (Status flushed = FlushAll(); !flushed.ok()) {
    obs::LogWarn("flush before backup failed; the backup takes the WAL instead",
                 {{"error", flushed.message()}});
  }

  std::lock_guard flush_lock(flush_mu_);
  const std::string wal_dir = JoinPath(root_, "wal");
  std::vector<WalCut> wal_cut;
  {
    AppendGate::Closed closed(gate_);
    const uint64_t current = wal_->current_sequence();
    METRIFY_ASSIGN_OR_RETURN(const wal::WalFiles files, wal::ListWalFiles(fs_, wal_dir));
    for (uint64_t sequence : files.sequences) {
      if (sequence > current) break;
      METRIFY_ASSIGN_OR_RETURN(uint64_t bytes, fs_.FileSize(wal::WalFilePath(wal_dir, sequence)));
      wal_cut.push_back({sequence, bytes});
    }
  }

  BackupReport report;
  uint64_t linked = 0;
  std::set<std::string> dirs;  // created, to be synced
  METRIFY_RETURN_IF_ERROR(fs_.CreateDirs(dir));
  for (const SegmentCatalog::PartitionSegments& p : catalog_->PartitionsWith(1)) {
    const std::string to_dir = segment::PartitionDir(dir, p.kind, p.day);
    METRIFY_RETURN_IF_ERROR(fs_.CreateDirs(to_dir));
    dirs.insert(to_dir);
    dirs.insert(DirName(to_dir));
    for (const auto& [seq, reader] : p.segments) {
      const std::string to = JoinPath(to_dir, segment::SegmentFileName(seq));
      METRIFY_ASSIGN_OR_RETURN(bool was_linked,
                               LinkOrCopy(fs_, reader->path(), to, reader->file_bytes()));
      linked += was_linked ? 1 : 0;
      ++report.segments;
      report.bytes += reader->file_bytes();
    }
  }
  const std::string to_wal = JoinPath(dir, "wal");
  METRIFY_RETURN_IF_ERROR(fs_.CreateDirs(to_wal));
  dirs.insert(to_wal);
  for (const WalCut& cut : wal_cut) {
    METRIFY_RETURN_IF_ERROR(CopyPrefix(fs_, wal::WalFilePath(wal_dir, cut.sequence),
                                       wal::WalFilePath(to_wal, cut.sequence), cut.bytes));
    ++report.wal_files;
    report.bytes += cut.bytes;
  }
  // Deepest first, so each name is durable before the directory above it.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) METRIFY_RETURN_IF_ERROR(fs_.SyncDir(*it));
  METRIFY_RETURN_IF_ERROR(fs_.SyncDir(dir));
  METRIFY_RETURN_IF_ERROR(fs_.SyncDir(DirName(dir)));
  obs::LogInfo("engine backup written", {{"dir", dir},
                                         {"segments", static_cast<int64_t>(report.segments)},
                                         {"segments_linked", static_cast<int64_t>(linked)},
                                         {"wal_files", static_cast<int64_t>(report.wal_files)},
                                         {"bytes", static_cast<int64_t>(report.bytes)}});
  return report;
}

}  // namespace metrify::engine
