// The POSIX FileSystem. Calls are retried on EINTR and loop on short reads
// and writes; every other failure becomes a Status naming the call, the path
// and strerror(errno).
#include "common/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace metrify {
namespace {

Status PosixError(std::string_view call, const std::string& path, int error) {
  std::string message = std::string(call) + " " + path + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(std::move(message));
  return Status::IOError(std::move(message));
}

// Retries `call` while it fails with EINTR.
template <typename Call>
auto RetryOnEintr(Call call) {
  decltype(call()) result;
  do {
    result = call();
  } while (result < 0 && errno == EINTR);
  return result;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using WritableFile::Append;
  Status Append(std::span<const std::string_view> pieces) override;

  Status Sync() override {
    if (fd_ < 0) return Status::IOError("fdatasync " + path_ + ": file is closed");
    if (RetryOnEintr([&] { return ::fdatasync(fd_); }) < 0) {
      return PosixError("fdatasync", path_, errno);
    }
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::IOError("close " + path_ + ": file is closed");
    const int rc = ::close(fd_);  // never retried: the descriptor is gone either way
    fd_ = -1;
    return rc < 0 ? PosixError("close", path_, errno) : Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

Status PosixWritableFile::Append(std::span<const std::string_view> pieces) {
  if (fd_ < 0) return Status::IOError("write " + path_ + ": file is closed");
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (std::string_view piece : pieces) {
    if (!piece.empty()) iov.push_back({const_cast<char*>(piece.data()), piece.size()});
  }
  // writev takes at most IOV_MAX pieces and may write fewer bytes than
  // asked: advance past what was written and go again.
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    const ssize_t written = RetryOnEintr([&] { return ::writev(fd_, &iov[first], count); });
    if (written < 0) return PosixError("write", path_, errno);
    auto left = static_cast<size_t>(written);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

// Opens `path` read-only, or returns the error.
Result<int> OpenForRead(const std::string& path, int extra_flags = 0) {
  const int fd =
      RetryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | extra_flags); });
  if (fd < 0) return PosixError("open", path, errno);
  return fd;
}

// Appends up to n bytes read at `offset` to *out; fewer only at end of file.
Status PreadAppend(int fd, const std::string& path, uint64_t offset, size_t n, std::string* out) {
  const size_t start = out->size();
  out->resize(start + n);
  size_t done = 0;
  while (done < n) {
    char* dst = out->data() + start + done;
    const ssize_t got = RetryOnEintr([&] { return ::pread(fd, dst, n - done, offset + done); });
    if (got < 0) return PosixError("read", path, errno);
    if (got == 0) break;  // end of file
    done += static_cast<size_t>(got);
  }
  out->resize(start + done);
  return Status::Ok();
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  Result<std::string> ReadAt(uint64_t offset, size_t n) const override {
    std::string out;
    METRIFY_RETURN_IF_ERROR(PreadAppend(fd_, path_, offset, n, &out));
    return out;
  }

 private:
  const int fd_;
  const std::string path_;
};

class PosixFileSystem final : public FileSystem {
 public:
  // O_APPEND: every write lands at the current end even if the file was
  // truncated by someone else meanwhile, so a writer never leaves a hole.
  Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) override {
    const int fd = RetryOnEintr(
        [&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); });
    if (fd < 0) return PosixError("open", path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  Result<std::string> ReadFile(const std::string& path) override {
    METRIFY_ASSIGN_OR_RETURN(const int fd, OpenForRead(path));
    struct stat st {};
    Status status = ::fstat(fd, &st) < 0 ? PosixError("stat", path, errno) : Status::Ok();
    std::string contents;
    // Read until end of file, not just st_size bytes: the file may be growing.
    size_t want = std::max<size_t>(st.st_size, 4096);
    while (status.ok()) {
      const size_t before = contents.size();
      status = PreadAppend(fd, path, before, want, &contents);
      if (contents.size() - before < want) break;
      want = size_t{1} << 20;
    }
    ::close(fd);
    if (!status.ok()) return status;
    return contents;
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override {
    METRIFY_ASSIGN_OR_RETURN(const int fd, OpenForRead(path));
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fd, path));
  }

  Result<std::string> ReadAt(const std::string& path, uint64_t offset, size_t n) override {
    METRIFY_ASSIGN_OR_RETURN(const int fd, OpenForRead(path));
    std::string out;
    const Status status = PreadAppend(fd, path, offset, n, &out);
    ::close(fd);
    if (!status.ok()) return status;
    return out;
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("opendir", dir, errno);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(d)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    const int error = errno;
    ::closedir(d);
    if (error != 0) return PosixError("readdir", dir, error);
    return names;
  }

  Status CreateDirs(const std::string& dir) override {
    // Create each prefix ending at a '/' in turn, then the whole path.
    for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
      const std::string prefix = dir.substr(0, slash);
      if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) < 0 && errno != EEXIST) {
        return PosixError("mkdir", prefix, errno);
      }
      if (slash == std::string::npos) break;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) < 0) return PosixError("stat", dir, errno);
    if (!S_ISDIR(st.st_mode)) return PosixError("mkdir", dir, ENOTDIR);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) < 0)
      return PosixError("rename", from + " to " + to, errno);
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) < 0) return PosixError("unlink", path, errno);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) < 0) return PosixError("rmdir", dir, errno);
    return Status::Ok();
  }

  // Syncs before returning: recovery truncates a torn WAL tail and then
  // appends after it, and must not see the old tail come back after a crash.
  Status Truncate(const std::string& path, uint64_t size) override {
    const int fd = RetryOnEintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); });
    if (fd < 0) return PosixError("open", path, errno);
    Status status;
    if (RetryOnEintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) < 0) {
      status = PosixError("ftruncate", path, errno);
    } else if (RetryOnEintr([&] { return ::fsync(fd); }) < 0) {
      status = PosixError("fsync", path, errno);
    }
    ::close(fd);
    return status;
  }

  Status SyncDir(const std::string& dir) override {
    METRIFY_ASSIGN_OR_RETURN(const int fd, OpenForRead(dir, O_DIRECTORY));
    const Status status = RetryOnEintr([&] { return ::fsync(fd); }) < 0
                              ? PosixError("fsync", dir, errno)
                              : Status::Ok();
    ::close(fd);
    return status;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return PosixError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
};

}  // namespace

// Leaked on purpose: files may be used from static destructors and detached
// threads at exit.
namespace {

// Reads through the file system's path-based ReadAt, for file systems that
// do not keep descriptors (test doubles).
class PathRandomAccessFile final : public RandomAccessFile {
 public:
  PathRandomAccessFile(FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Result<std::string> ReadAt(uint64_t offset, size_t n) const override {
    return fs_.ReadAt(path_, offset, n);
  }

 private:
  FileSystem& fs_;
  const std::string path_;
};

}  // namespace

Result<std::unique_ptr<RandomAccessFile>> FileSystem::OpenRandomAccess(const std::string& path) {
  return std::unique_ptr<RandomAccessFile>(new PathRandomAccessFile(*this, path));
}

FileSystem& FileSystem::Posix() {
  static PosixFileSystem* const fs = new PosixFileSystem();  // never destroyed
  return *fs;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string path(dir);
  if (path.back() != '/') path += '/';
  path += name;
  return path;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace metrify
