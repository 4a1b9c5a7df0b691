// Helpers shared by the WAL tests (header-only: the test binary compiles
// only *_test.cc files from src/).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "store/engine/wal/wal_files.h"
#include "store/engine/wal/wal_format.h"
#include "store/engine/wal/wal_reader.h"
#include "store/engine/wal/wal_writer.h"

namespace metrify::engine::wal::test_support {

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/metrify-wal-test-XXXXXX";
    path_ = mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Join(std::string_view name) const { return JoinPath(path_, name); }

 private:
  std::string path_;
};

struct ReplayedRecord {
  uint64_t file = 0;
  uint64_t offset = 0;
  uint8_t type = 0;
  std::string payload;
};

struct Replayed {
  Status status;
  ReplayReport report;
  std::vector<ReplayedRecord> records;
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const ReplayedRecord& r : records) out.push_back(r.payload);
    return out;
  }
};

// Replays `dir` and keeps a copy of every record.
inline Replayed ReplayAll(FileSystem& fs, const std::string& dir) {
  Replayed replayed;
  replayed.status = ReplayWal(
      fs, dir,
      [&](uint64_t file, uint64_t offset, uint8_t type, std::string_view payload) {
        replayed.records.push_back({file, offset, type, std::string(payload)});
        return Status::Ok();
      },
      &replayed.report);
  return replayed;
}

// A distinct payload for record `i`, 1 to about 300 bytes.
inline std::string TestPayload(int i) {
  std::string payload = "record " + std::to_string(i) + ":";
  payload.append(static_cast<size_t>(i * 7919 % 290), static_cast<char>('a' + i % 26));
  return payload;
}

inline std::unique_ptr<WalWriter> OpenWriter(FileSystem& fs, const std::string& dir,
                                             WalWriterOptions options = {}) {
  auto writer = WalWriter::Open(fs, dir, options);
  EXPECT_TRUE(writer.has_value()) << writer.error().ToString();
  return writer.has_value() ? std::move(writer).value() : nullptr;
}

inline std::string ReadBytes(const std::string& path) {
  auto bytes = FileSystem::Posix().ReadFile(path);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
  return bytes.has_value() ? *bytes : std::string();
}

// Replaces the file at `path` with `bytes`.
inline void WriteBytes(const std::string& path, std::string_view bytes) {
  FileSystem& fs = FileSystem::Posix();
  (void)fs.Remove(path);
  auto file = fs.OpenForAppend(path);
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  ASSERT_TRUE((*file)->Append(bytes).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

// The framed bytes of one record, as a writer would write them.
inline std::string FramedRecord(uint8_t type, std::string_view payload) {
  std::string record(kRecordHeaderSize, '\0');
  EncodeRecordHeader(type, payload, record.data());
  record += payload;
  return record;
}

}  // namespace metrify::engine::wal::test_support
