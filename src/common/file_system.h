// FileSystem: the one door through which the storage engine touches files,
// in the manner of LevelDB's Env. Production code uses FileSystem::Posix();
// tests substitute an implementation that counts, fails or "crashes"
// (common/fault_file_system.h).
//
// Errors: every failure is IOError (NotFound when the path does not exist)
// and its message names the operation, the path and the errno text, e.g.
// "fdatasync data/engine/wal/00000003.wal: Input/output error".
//
// Durability: nothing is durable until a Sync (file contents and size) and,
// for a created, renamed or removed name, a SyncDir of its directory.
// Truncate is the exception: it syncs the file before returning.
//
// Thread safety: a FileSystem may be used from any thread. A WritableFile
// is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace metrify {

// A file open for appending. Closing is explicit so that its error can be
// reported; the destructor closes silently if Close was not called.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  // Appends the pieces, in order, at the end of the file with one vectored
  // write (repeated only on short writes). On error some prefix of the bytes
  // may have reached the file. Not durable until Sync.
  virtual Status Append(std::span<const std::string_view> pieces) = 0;
  Status Append(std::string_view data) { return Append(std::span(&data, 1)); }

  // fdatasync: on OK, every byte appended so far and the file's size are on
  // stable storage. After an error the file's durable state is unknown
  // (the kernel may have dropped the dirty pages): do not retry and trust.
  virtual Status Sync() = 0;

  // Releases the descriptor. Does not sync. Later calls return IOError.
  virtual Status Close() = 0;
};

// A file open for reading at offsets, for readers that read one file many
// times (segments): the descriptor stays open instead of an open and a close
// around every read. Thread-safe: reads may run concurrently (pread).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Up to `n` bytes from `offset`; fewer only at the end of file.
  virtual Result<std::string> ReadAt(uint64_t offset, size_t n) const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The real file system (POSIX calls). Lives for the whole program.
  static FileSystem& Posix();

  // Opens `path` for appending, creating it (mode 0644) when missing; the
  // existing contents are kept. A created name is durable after SyncDir.
  virtual Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) = 0;

  // The whole contents of `path`.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;

  // Up to `n` bytes of `path` from `offset`; fewer only at the end of file.
  virtual Result<std::string> ReadAt(const std::string& path, uint64_t offset, size_t n) = 0;

  // `path` open for repeated ReadAt. The default goes through ReadAt(path,
  // ...) on every read (so test file systems that inject faults there see
  // every read); the POSIX file system keeps one descriptor open.
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path);

  // The names (not paths) of the entries of `dir`, without "." and "..", in
  // no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;

  // Creates `dir` and its missing parents (mode 0755); OK if it exists.
  virtual Status CreateDirs(const std::string& dir) = 0;

  // rename(2): atomically replaces `to`. Durable after SyncDir.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Removes a file. Durable after SyncDir.
  virtual Status Remove(const std::string& path) = 0;
  // Removes an empty directory. Durable after SyncDir of its parent.
  virtual Status RemoveDir(const std::string& dir) = 0;

  // Cuts `path` to `size` bytes and syncs it: durable on return.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;

  // fsync of a directory: makes created, renamed and removed names durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // The size of `path` in bytes.
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
};

// "dir/name", or "name" when dir is empty.
std::string JoinPath(std::string_view dir, std::string_view name);

// The directory part of `path` ("." when there is none).
std::string DirName(std::string_view path);

}  // namespace metrify
