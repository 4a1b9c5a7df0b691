// WalWriter: appends records to the write-ahead log with group commit.
// Format: docs/format/wal.md. Reading back: wal_reader.h.
//
// Lifecycle: at start the engine runs ReplayWal over the directory (which
// cuts any torn tail off the last file), then opens a WalWriter on it, which
// appends after the last file's end. The writer lives until shutdown; it has
// no Close: every acknowledged record is already durable, so destroying it
// loses nothing.
//
// Group commit (LevelDB's writer queue): callers of Append queue up; the
// caller at the front is the leader and writes every queued record, up to
// max_group_bytes, with one write and one fdatasync, then wakes the others
// with the shared outcome. A lone caller pays one fdatasync; under load
// each fdatasync carries many records.
//
// Failure: a failed write, sync or roll fails every record of its group and
// stops the writer for good: every later Append and Roll returns IOError.
// After a failed fdatasync the kernel may have dropped the dirty pages, so
// nothing written since the last good sync can be trusted; recovery is a
// restart, whose replay decides what survived ("fsyncgate").
//
// Thread safety: Append, Roll, RemoveFilesBefore and the accessors may be
// called concurrently from any thread. Append blocks on disk I/O (an
// fdatasync, about 0.1-1 ms): call it from worker threads, not event loops.
// Destroying the writer REQUIRES that no call is in progress.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/file_system.h"
#include "common/result.h"
#include "common/status.h"
#include "store/engine/wal/wal_probe.h"

namespace metrify::engine::wal {

struct WalWriterOptions {
  // A new file is started before a group would take the current one past
  // this size, so files stay below it unless a single group is larger.
  // Default 64 MiB: small enough to delete soon after a checkpoint, large
  // enough that rolls (two extra fsyncs each) are rare.
  uint64_t segment_bytes = 64u << 20;
  // Most bytes one group writes (record headers included); a record larger
  // than this is written alone. Default 4 MiB: about 100 batches of 1,000
  // readings, while one write stays short enough for fair latency.
  // 0 disables grouping: one write and one fdatasync per record (the
  // benchmark's baseline).
  size_t max_group_bytes = 4u << 20;
};

class WalWriter {
 public:
  // Opens the WAL in `dir` (created if missing) for appending: continues in
  // the highest-numbered file after its last byte, or starts 00000001.wal.
  // REQUIRES: ReplayWal returned OK on `dir` since the last crash, so the
  // last file ends with a whole record. `fs` must outlive the writer.
  // Returns IOError when the directory or file cannot be opened or created,
  // Corruption when the last file's header is damaged (replay not run).
  // Durable on return: a created file, its header and its name are synced,
  // and so is the name of `dir` in its parent.
  static Result<std::unique_ptr<WalWriter>> Open(FileSystem& fs, std::string dir,
                                                 WalWriterOptions options = {});

  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;
  ~WalWriter();

  // Appends one record of `type` carrying `payload` (copied nowhere: it must
  // stay valid until Append returns). Returns OK only after the record is
  // written and fdatasync'ed: durable on return. Returns InvalidArgument for
  // an unknown type or a payload over kMaxRecordPayload (the writer carries
  // on); IOError when the group's write or sync failed, or an earlier one
  // did (the writer is stopped; see the class comment).
  Status Append(std::string_view payload, uint8_t type);

  // The sequence number of the file records are appended to now.
  uint64_t current_sequence() const { return sequence_.load(std::memory_order_acquire); }

  // Starts a new file unless the current one holds no record yet, and
  // returns the current file's number afterwards: every record appended
  // before Roll was called lies in a file numbered below it. For
  // checkpoints: Roll, flush the head, then RemoveFilesBefore(number).
  // Returns IOError when the file cannot be created (the writer stops).
  Result<uint64_t> Roll();

  // Deletes the WAL files numbered below `sequence` and syncs the
  // directory. REQUIRES: their records are in flushed segments.
  // Returns InvalidArgument when `sequence` is above current_sequence()
  // (the current file is never deleted), IOError when a removal fails
  // (files removed before it stay removed).
  Status RemoveFilesBefore(uint64_t sequence);

  // The writer's counters (records, bytes, groups, files, failures).
  WalCounters counters() const { return probe_.Snapshot(); }
  const std::string& dir() const { return dir_; }

  // Test hook: Append calls queued now, the leader's group included.
  size_t TEST_QueueLength();

 private:
  struct Waiter;
  struct Group;

  WalWriter(FileSystem& fs, std::string dir, WalWriterOptions options);
  Status OpenLast(uint64_t sequence);
  Result<std::unique_ptr<WritableFile>> CreateFile(uint64_t sequence);
  Group CollectGroup();
  void FinishGroup(size_t records, const Status& status);
  Status WriteGroup(const Group& group);
  Status RollLocked();
  Status Stop(const Status& cause);

  FileSystem& fs_;
  const std::string dir_;
  const WalWriterOptions options_;
  WalProbe probe_;

  // The queue of Append calls; the front one leads. Lock order: file_mu_
  // is never acquired while queue_mu_ is held.
  std::mutex queue_mu_;
  std::deque<Waiter*> queue_;  // guarded by queue_mu_

  // The open file, held by the leader while it writes and by Roll.
  std::mutex file_mu_;
  std::unique_ptr<WritableFile> file_;  // guarded by file_mu_
  uint64_t file_size_ = 0;              // guarded by file_mu_
  Status stopped_;                      // guarded by file_mu_; non-OK once stopped
  std::atomic<uint64_t> sequence_{0};   // written under file_mu_
};

}  // namespace metrify::engine::wal
