#include "common/fault_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace metrify {
namespace {

class FaultFileSystemTest : public ::testing::Test {
 protected:
  FaultFileSystemTest() {
    std::string pattern = "/tmp/metrify-fault-fs-test-XXXXXX";
    dir_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~FaultFileSystemTest() override { std::filesystem::remove_all(dir_); }

  std::string Path(std::string_view name) const { return JoinPath(dir_, name); }
  std::unique_ptr<WritableFile> Open(const std::string& path) {
    auto file = fs_.OpenForAppend(path);
    EXPECT_TRUE(file.has_value()) << file.error().ToString();
    return file.has_value() ? std::move(file).value() : nullptr;
  }
  std::string Contents(const std::string& path) {
    auto bytes = FileSystem::Posix().ReadFile(path);
    return bytes.has_value() ? *bytes : "<" + bytes.error().ToString() + ">";
  }

  TEST_FaultFileSystem fs_;
  std::string dir_;
};

TEST_F(FaultFileSystemTest, CrashDropsUnsyncedBytes) {
  auto file = Open(Path("f"));
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  ASSERT_TRUE(file->Append("synced|").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("lost").ok());
  fs_.Crash();
  EXPECT_EQ(Contents(Path("f")), "synced|");
}

TEST_F(FaultFileSystemTest, CrashCanTearTheUnsyncedWrite) {
  auto file = Open(Path("f"));
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("defgh").ok());
  fs_.Crash(/*keep_unsynced_bytes=*/2);
  EXPECT_EQ(Contents(Path("f")), "abcde");
}

TEST_F(FaultFileSystemTest, CrashRemovesFilesWhoseNameWasNeverSynced) {
  auto file = Open(Path("new"));
  ASSERT_TRUE(file->Append("data").ok());
  ASSERT_TRUE(file->Sync().ok());  // the data, but not the name
  fs_.Crash();
  fs_.Restart();
  EXPECT_EQ(fs_.FileSize(Path("new")).error().code(), StatusCode::kNotFound);
}

TEST_F(FaultFileSystemTest, FilesThatExistedBeforeCountAsDurable) {
  {
    auto file = FileSystem::Posix().OpenForAppend(Path("old"));
    ASSERT_TRUE((*file)->Append("before").ok());
  }
  auto file = Open(Path("old"));
  ASSERT_TRUE(file->Append("+after").ok());
  fs_.Crash();
  EXPECT_EQ(Contents(Path("old")), "before");
}

TEST_F(FaultFileSystemTest, EveryCallFailsUntilRestart) {
  ASSERT_TRUE(fs_.CreateDirs(Path("d")).ok());
  fs_.Crash();
  EXPECT_EQ(fs_.OpenForAppend(Path("f")).error().code(), StatusCode::kIOError);
  EXPECT_EQ(fs_.ListDir(dir_).error().code(), StatusCode::kIOError);
  EXPECT_EQ(fs_.SyncDir(dir_).code(), StatusCode::kIOError);
  fs_.Restart();
  EXPECT_TRUE(fs_.ListDir(dir_).has_value());
  EXPECT_TRUE(fs_.OpenForAppend(Path("f")).has_value());
}

TEST_F(FaultFileSystemTest, FilesOpenedBeforeACrashFailAfterRestart) {
  auto file = Open(Path("f"));
  fs_.Crash();
  fs_.Restart();
  EXPECT_EQ(file->Append("x").code(), StatusCode::kIOError);
  EXPECT_EQ(file->Sync().code(), StatusCode::kIOError);
}

TEST_F(FaultFileSystemTest, NthWriteFailsAfterItsPrefix) {
  auto file = Open(Path("f"));
  fs_.FailWriteAt(2, /*partial_bytes=*/3);
  ASSERT_TRUE(file->Append("one,").ok());
  const Status failed = file->Append("two,");
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_NE(failed.message().find(Path("f")), std::string::npos) << failed.message();
  ASSERT_TRUE(file->Append("three").ok());  // one fault only
  EXPECT_EQ(Contents(Path("f")), "one,twothree");
  EXPECT_EQ(fs_.writes(), 3u);
  EXPECT_EQ(fs_.bytes_written(), 12u);
}

TEST_F(FaultFileSystemTest, NthSyncFailsAndMakesNothingDurable) {
  auto file = Open(Path("f"));
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  fs_.FailSyncAt(2);
  ASSERT_TRUE(file->Append("a").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("b").ok());
  EXPECT_EQ(file->Sync().code(), StatusCode::kIOError);
  EXPECT_EQ(fs_.syncs(), 1u);
  fs_.Crash();
  EXPECT_EQ(Contents(Path("f")), "a");
}

TEST_F(FaultFileSystemTest, BeforeSyncHookRunsOnEverySync) {
  int calls = 0;
  fs_.set_before_sync([&] { ++calls; });
  auto file = Open(Path("f"));
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace metrify
