// The WAL writer: docs/format/wal.md for the bytes, docs/engine.md for the
// policy. Group commit follows LevelDB's DBImpl::Write: waiters queue, the
// front one writes for everybody and hands the lead to the next.
#include "store/engine/wal/wal_writer.h"

#include <fmt/format.h>

#include <vector>

#include "store/engine/wal/wal_files.h"
#include "store/engine/wal/wal_format.h"

namespace metrify::engine::wal {

// One Append call waiting in the queue. Lives on the caller's stack.
struct WalWriter::Waiter {
  Waiter(std::string_view record_payload, uint8_t type) : payload(record_payload) {
    EncodeRecordHeader(type, payload, header);  // framed before queueing, off the lock
  }
  char header[kRecordHeaderSize];
  std::string_view payload;
  Status status;      // guarded by queue_mu_
  bool done = false;  // guarded by queue_mu_
  std::condition_variable cv;
};

// The records the leader writes in one go, as pieces for one vectored write.
struct WalWriter::Group {
  std::vector<std::string_view> pieces;  // header, payload, header, payload, ...
  size_t records = 0;
  uint64_t bytes = 0;
};

WalWriter::WalWriter(FileSystem& fs, std::string dir, WalWriterOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(options) {}

WalWriter::~WalWriter() {
  // Every acknowledged record is synced; a close error changes nothing.
  if (file_) (void)file_->Close();
}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(FileSystem& fs, std::string dir,
                                                   WalWriterOptions options) {
  METRIFY_RETURN_IF_ERROR(fs.CreateDirs(dir));
  // The directory may have just been created: make its own name durable,
  // or a power loss could take the first file's records with it.
  METRIFY_RETURN_IF_ERROR(fs.SyncDir(DirName(dir)));
  METRIFY_ASSIGN_OR_RETURN(const WalFiles files, ListWalFiles(fs, dir));
  std::unique_ptr<WalWriter> writer(new WalWriter(fs, std::move(dir), options));
  if (files.sequences.empty()) {
    METRIFY_ASSIGN_OR_RETURN(writer->file_, writer->CreateFile(1));
    writer->file_size_ = kFileHeaderSize;
    writer->sequence_ = 1;
  } else {
    METRIFY_RETURN_IF_ERROR(writer->OpenLast(files.sequences.back()));
  }
  return writer;
}

// Continues in file `sequence`. Replay left it either empty (a torn header
// was cut away) or ending with a whole record.
Status WalWriter::OpenLast(uint64_t sequence) {
  const std::string path = WalFilePath(dir_, sequence);
  METRIFY_ASSIGN_OR_RETURN(file_size_, fs_.FileSize(path));
  if (file_size_ > 0) {
    METRIFY_ASSIGN_OR_RETURN(const std::string header, fs_.ReadAt(path, 0, kFileHeaderSize));
    std::string reason;
    if (CheckFileHeader(header, sequence, &reason) != HeaderCheck::kValid) {
      return CorruptionAt(path, 0, reason + " (run ReplayWal before opening the writer)");
    }
  }
  METRIFY_ASSIGN_OR_RETURN(file_, fs_.OpenForAppend(path));
  if (file_size_ == 0) {
    METRIFY_RETURN_IF_ERROR(file_->Append(EncodeFileHeader(sequence)));
    METRIFY_RETURN_IF_ERROR(file_->Sync());
    file_size_ = kFileHeaderSize;
  }
  sequence_ = sequence;
  return Status::Ok();
}

// Creates file `sequence` with its header; durable on return (file synced,
// then its directory, so the name survives a crash too).
Result<std::unique_ptr<WritableFile>> WalWriter::CreateFile(uint64_t sequence) {
  const std::string path = WalFilePath(dir_, sequence);
  if (const Result<uint64_t> size = fs_.FileSize(path); size.has_value() && *size > 0) {
    return Status::AlreadyExists(path + ": a WAL file with this number exists");
  }
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_.OpenForAppend(path));
  METRIFY_RETURN_IF_ERROR(file->Append(EncodeFileHeader(sequence)));
  METRIFY_RETURN_IF_ERROR(file->Sync());
  METRIFY_RETURN_IF_ERROR(fs_.SyncDir(dir_));
  probe_.FileCreated();
  return file;
}

Status WalWriter::Append(std::string_view payload, uint8_t type) {
  if (!IsKnownRecordType(type)) {
    return Status::InvalidArgument(fmt::format("WAL record type {} is unknown", type));
  }
  if (payload.size() > kMaxRecordPayload) {
    return Status::InvalidArgument(fmt::format("WAL record of {} bytes exceeds the limit of {}",
                                               payload.size(), kMaxRecordPayload));
  }
  Waiter self(payload, type);
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return self.status;  // a leader wrote this record
  // This caller leads. Later callers queue behind the group meanwhile.
  const Group group = CollectGroup();
  lock.unlock();
  const Status status = WriteGroup(group);
  lock.lock();
  FinishGroup(group.records, status);
  return status;
}

// REQUIRES: queue_mu_ held; the caller is queue_.front().
WalWriter::Group WalWriter::CollectGroup() {
  Group group;
  for (Waiter* waiter : queue_) {
    const uint64_t bytes = kRecordHeaderSize + waiter->payload.size();
    if (group.records > 0 && group.bytes + bytes > options_.max_group_bytes) break;
    group.pieces.emplace_back(waiter->header, kRecordHeaderSize);
    group.pieces.push_back(waiter->payload);
    group.bytes += bytes;
    ++group.records;
  }
  return group;
}

// Hands `status` to the first `records` waiters, removes them and wakes the
// next leader. REQUIRES: queue_mu_ held. Notifying under the lock matters:
// a waiter's condition variable dies as soon as it sees `done`.
void WalWriter::FinishGroup(size_t records, const Status& status) {
  for (size_t i = 0; i < records; ++i) {
    Waiter* waiter = queue_.front();
    queue_.pop_front();
    waiter->status = status;
    waiter->done = true;
    waiter->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
}

Status WalWriter::WriteGroup(const Group& group) {
  std::lock_guard lock(file_mu_);
  if (!stopped_.ok()) return stopped_;
  if (file_size_ > kFileHeaderSize && file_size_ + group.bytes > options_.segment_bytes) {
    METRIFY_RETURN_IF_ERROR(RollLocked());
  }
  Status status = file_->Append(group.pieces);
  if (status.ok()) status = file_->Sync();
  if (!status.ok()) return Stop(status);
  file_size_ += group.bytes;
  probe_.GroupWritten(group.records, group.bytes);
  return Status::Ok();
}

// Starts the next file. REQUIRES: file_mu_ held. On failure the writer stops.
Status WalWriter::RollLocked() {
  const uint64_t next = sequence_.load(std::memory_order_relaxed) + 1;
  Result<std::unique_ptr<WritableFile>> file = CreateFile(next);
  if (!file.has_value()) return Stop(file.error());
  (void)file_->Close();  // every byte of it was synced by its last group
  file_ = std::move(file).value();
  file_size_ = kFileHeaderSize;
  sequence_.store(next, std::memory_order_release);
  return Status::Ok();
}

// Stops the writer because of `cause`, which is returned for the group that
// hit it; later calls get an IOError that names it. REQUIRES: file_mu_ held.
Status WalWriter::Stop(const Status& cause) {
  probe_.Failed();
  stopped_ = Status::IOError("WAL writer stopped after an earlier error: " + cause.message());
  return cause;
}

Result<uint64_t> WalWriter::Roll() {
  std::lock_guard lock(file_mu_);
  if (!stopped_.ok()) return stopped_;
  if (file_size_ > kFileHeaderSize) METRIFY_RETURN_IF_ERROR(RollLocked());
  return sequence_.load(std::memory_order_relaxed);
}

size_t WalWriter::TEST_QueueLength() {
  std::lock_guard lock(queue_mu_);
  return queue_.size();
}

Status WalWriter::RemoveFilesBefore(uint64_t sequence) {
  // The current sequence only grows, so files below it stay untouched by
  // the writer and need no lock.
  const uint64_t current = current_sequence();
  if (sequence > current) {
    return Status::InvalidArgument(fmt::format(
        "cannot remove WAL files before {}: the current file is {}", sequence, current));
  }
  METRIFY_ASSIGN_OR_RETURN(const WalFiles files, ListWalFiles(fs_, dir_));
  bool removed = false;
  for (uint64_t old : files.sequences) {
    if (old >= sequence) break;
    METRIFY_RETURN_IF_ERROR(fs_.Remove(WalFilePath(dir_, old)));
    removed = true;
  }
  return removed ? fs_.SyncDir(dir_) : Status::Ok();
}

}  // namespace metrify::engine::wal
