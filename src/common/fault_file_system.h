// TEST_FaultFileSystem: a FileSystem for tests that wraps another one
// (usually FileSystem::Posix() over a temporary directory) and can
//   - count the writes and syncs that reach files,
//   - fail the Nth write (after writing a chosen prefix of it) or the Nth
//     sync with IOError,
//   - "crash": simulate power loss by dropping every byte not yet synced,
//     optionally keeping a prefix of them (a torn last write), and every file
//     whose name was not made durable by SyncDir.
// Test-only (hence the TEST_ prefix); production code never constructs it.
//
// Model of durability (the model LevelDB's fault-injection tests use):
// bytes appended to a file are durable once a Sync of that file returns OK;
// a created file's name is durable once SyncDir of its directory returns
// OK. Truncate, Remove and Rename are treated as durable at once (the WAL
// does not depend on them surviving a crash). Files that existed before the
// wrapper first saw them count as durable.
//
// Thread safety: all methods may be called from any thread; calls into the
// wrapped file system are serialised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/file_system.h"

namespace metrify {

class TEST_FaultFileSystem final : public FileSystem {
 public:
  // `base` must outlive this object. Syncs are counted but not forwarded to
  // `base` by default (durability is simulated), which keeps tests fast.
  explicit TEST_FaultFileSystem(FileSystem& base = FileSystem::Posix()) : base_(base) {}

  // The `n`th Append from now (1 = the next) writes only its first
  // `partial_bytes` bytes, then returns IOError. 0 disarms.
  void FailWriteAt(uint64_t n, size_t partial_bytes = 0);
  // The `n`th Sync from now returns IOError and makes nothing durable.
  void FailSyncAt(uint64_t n);
  // Whether Sync and SyncDir also call the wrapped file system's.
  void set_forward_syncs(bool forward);
  // Runs `hook` at the start of every WritableFile Sync, outside any lock:
  // a sleep imitates a slow device, a latch holds a sync in flight.
  void set_before_sync(std::function<void()> hook);

  // Append calls that reached a file (including a failed one), successful
  // Syncs, and bytes appended.
  uint64_t writes() const;
  uint64_t syncs() const;
  uint64_t bytes_written() const;

  // Power loss. Every file is cut back to its synced size plus at most
  // `keep_unsynced_bytes` of its unsynced bytes (a torn write), and files
  // whose names were never synced are removed. Until Restart, every call
  // fails with IOError, as if the process had died with the machine.
  void Crash(uint64_t keep_unsynced_bytes = 0);
  // The machine is back: calls work again. WritableFiles opened before the
  // crash keep failing (they belonged to the dead process).
  void Restart();

  Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Result<std::string> ReadAt(const std::string& path, uint64_t offset, size_t n) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status RemoveDir(const std::string& dir) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<uint64_t> FileSize(const std::string& path) override;

 private:
  class File;
  friend class File;

  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;  // bytes that survive a crash
    bool name_synced = false;
  };

  // IOError naming `call` and `path` while the machine is down.
  Status CheckUp(std::string_view call, const std::string& path) const;
  // Called by File with the file's generation; stale generations fail.
  Status FileAppend(const std::string& path, uint64_t generation, WritableFile& base,
                    std::span<const std::string_view> pieces);
  Status FileSync(const std::string& path, uint64_t generation, WritableFile& base);

  FileSystem& base_;
  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;  // guarded by mu_
  uint64_t generation_ = 0;                 // guarded by mu_; bumped by Crash
  bool down_ = false;                       // guarded by mu_; between Crash and Restart
  uint64_t fail_write_at_ = 0;              // guarded by mu_
  size_t fail_write_partial_ = 0;           // guarded by mu_
  uint64_t fail_sync_at_ = 0;               // guarded by mu_
  bool forward_syncs_ = false;              // guarded by mu_
  std::function<void()> before_sync_;       // guarded by mu_
  uint64_t writes_ = 0;                     // guarded by mu_
  uint64_t syncs_ = 0;                      // guarded by mu_
  uint64_t bytes_written_ = 0;              // guarded by mu_
};

}  // namespace metrify
