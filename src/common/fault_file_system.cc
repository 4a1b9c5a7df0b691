#include "common/fault_file_system.h"

#include <algorithm>
#include <vector>

namespace metrify {

// A WritableFile whose calls go through the fault file system, tagged with
// the generation it was opened in so that a crash kills it.
class TEST_FaultFileSystem::File final : public WritableFile {
 public:
  File(TEST_FaultFileSystem& fs, std::string path, uint64_t generation,
       std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), generation_(generation), base_(std::move(base)) {}

  using WritableFile::Append;
  Status Append(std::span<const std::string_view> pieces) override {
    return fs_.FileAppend(path_, generation_, *base_, pieces);
  }
  Status Sync() override { return fs_.FileSync(path_, generation_, *base_); }
  Status Close() override { return base_->Close(); }

 private:
  TEST_FaultFileSystem& fs_;
  std::string path_;
  uint64_t generation_;
  std::unique_ptr<WritableFile> base_;
};

void TEST_FaultFileSystem::FailWriteAt(uint64_t n, size_t partial_bytes) {
  std::lock_guard lock(mu_);
  fail_write_at_ = n == 0 ? 0 : writes_ + n;
  fail_write_partial_ = partial_bytes;
}

void TEST_FaultFileSystem::FailSyncAt(uint64_t n) {
  std::lock_guard lock(mu_);
  fail_sync_at_ = n;  // a countdown over Sync calls; 0 means disarmed
}

void TEST_FaultFileSystem::set_forward_syncs(bool forward) {
  std::lock_guard lock(mu_);
  forward_syncs_ = forward;
}

void TEST_FaultFileSystem::set_before_sync(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  before_sync_ = std::move(hook);
}

uint64_t TEST_FaultFileSystem::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

uint64_t TEST_FaultFileSystem::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

uint64_t TEST_FaultFileSystem::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_written_;
}

Status TEST_FaultFileSystem::FileAppend(const std::string& path, uint64_t generation,
                                        WritableFile& base,
                                        std::span<const std::string_view> pieces) {
  std::lock_guard lock(mu_);
  if (generation != generation_) return Status::IOError("write " + path + ": crashed");
  FileState& state = files_[path];
  ++writes_;
  if (writes_ == fail_write_at_) {
    fail_write_at_ = 0;
    std::string all;
    for (std::string_view piece : pieces) all += piece;
    all.resize(std::min(all.size(), fail_write_partial_));
    METRIFY_RETURN_IF_ERROR(base.Append(all));
    state.size += all.size();
    bytes_written_ += all.size();
    return Status::IOError("write " + path + ": injected fault");
  }
  METRIFY_RETURN_IF_ERROR(base.Append(pieces));
  for (std::string_view piece : pieces) {
    state.size += piece.size();
    bytes_written_ += piece.size();
  }
  return Status::Ok();
}

Status TEST_FaultFileSystem::FileSync(const std::string& path, uint64_t generation,
                                      WritableFile& base) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    hook = before_sync_;
  }
  if (hook) hook();
  std::lock_guard lock(mu_);
  if (generation != generation_) return Status::IOError("fdatasync " + path + ": crashed");
  if (fail_sync_at_ > 0 && --fail_sync_at_ == 0) {
    return Status::IOError("fdatasync " + path + ": injected fault");
  }
  if (forward_syncs_) METRIFY_RETURN_IF_ERROR(base.Sync());
  FileState& state = files_[path];
  state.synced = state.size;
  ++syncs_;
  return Status::Ok();
}

Status TEST_FaultFileSystem::CheckUp(std::string_view call, const std::string& path) const {
  if (!down_) return Status::Ok();
  return Status::IOError(std::string(call) + " " + path + ": crashed");
}

void TEST_FaultFileSystem::Restart() {
  std::lock_guard lock(mu_);
  down_ = false;
}

void TEST_FaultFileSystem::Crash(uint64_t keep_unsynced_bytes) {
  std::lock_guard lock(mu_);
  ++generation_;
  down_ = true;
  for (auto it = files_.begin(); it != files_.end();) {
    FileState& state = it->second;
    if (!state.name_synced) {
      (void)base_.Remove(it->first);
      it = files_.erase(it);
      continue;
    }
    const uint64_t kept = state.synced + std::min(keep_unsynced_bytes, state.size - state.synced);
    if (kept < state.size) (void)base_.Truncate(it->first, kept);
    state.size = state.synced = kept;
    ++it;
  }
}

Result<std::unique_ptr<WritableFile>> TEST_FaultFileSystem::OpenForAppend(const std::string& path) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("open", path));
  const Result<uint64_t> existing = base_.FileSize(path);
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_.OpenForAppend(path));
  if (!files_.contains(path)) {
    // A file seen for the first time is durable as it is; a new one is not.
    const uint64_t size = existing.has_value() ? *existing : 0;
    files_[path] = FileState{size, size, existing.has_value()};
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<File>(*this, path, generation_, std::move(file)));
}

Result<std::string> TEST_FaultFileSystem::ReadFile(const std::string& path) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("read", path));
  return base_.ReadFile(path);
}

Result<std::string> TEST_FaultFileSystem::ReadAt(const std::string& path, uint64_t offset,
                                                 size_t n) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("read", path));
  return base_.ReadAt(path, offset, n);
}

Result<std::vector<std::string>> TEST_FaultFileSystem::ListDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("opendir", dir));
  return base_.ListDir(dir);
}

Status TEST_FaultFileSystem::CreateDirs(const std::string& dir) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("mkdir", dir));
  return base_.CreateDirs(dir);
}

Status TEST_FaultFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("rename", from));
  METRIFY_RETURN_IF_ERROR(base_.Rename(from, to));
  const auto it = files_.find(from);
  if (it == files_.end()) {
    files_.erase(to);
    return Status::Ok();
  }
  const FileState state = it->second;
  files_.erase(it);
  files_[to] = state;
  return Status::Ok();
}

Status TEST_FaultFileSystem::RemoveDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("rmdir", dir));
  return base_.RemoveDir(dir);
}

Status TEST_FaultFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("unlink", path));
  METRIFY_RETURN_IF_ERROR(base_.Remove(path));
  files_.erase(path);
  return Status::Ok();
}

Status TEST_FaultFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("ftruncate", path));
  METRIFY_RETURN_IF_ERROR(base_.Truncate(path, size));
  if (auto it = files_.find(path); it != files_.end()) {
    it->second.size = it->second.synced = size;
  }
  return Status::Ok();
}

Status TEST_FaultFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("fsync", dir));
  if (forward_syncs_) METRIFY_RETURN_IF_ERROR(base_.SyncDir(dir));
  for (auto& [path, state] : files_) {
    if (DirName(path) == dir) state.name_synced = true;
  }
  return Status::Ok();
}

Result<uint64_t> TEST_FaultFileSystem::FileSize(const std::string& path) {
  std::lock_guard lock(mu_);
  METRIFY_RETURN_IF_ERROR(CheckUp("stat", path));
  return base_.FileSize(path);
}

}  // namespace metrify
