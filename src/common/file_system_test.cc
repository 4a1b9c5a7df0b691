#include "common/file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

namespace metrify {
namespace {

class PosixFileSystemTest : public ::testing::Test {
 protected:
  PosixFileSystemTest() {
    std::string pattern = "/tmp/metrify-fs-test-XXXXXX";
    dir_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~PosixFileSystemTest() override { std::filesystem::remove_all(dir_); }

  std::string Path(std::string_view name) const { return JoinPath(dir_, name); }
  void Write(const std::string& path, std::string_view bytes) {
    auto file = fs_.OpenForAppend(path);
    ASSERT_TRUE(file.has_value()) << file.error().ToString();
    ASSERT_TRUE((*file)->Append(bytes).ok());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  FileSystem& fs_ = FileSystem::Posix();
  std::string dir_;
};

TEST_F(PosixFileSystemTest, AppendKeepsExistingContents) {
  Write(Path("f"), "hello ");
  Write(Path("f"), "world");
  EXPECT_EQ(*fs_.ReadFile(Path("f")), "hello world");
  EXPECT_EQ(*fs_.FileSize(Path("f")), 11u);
}

TEST_F(PosixFileSystemTest, VectoredAppendWritesEveryPieceInOrder) {
  // More pieces than one writev takes (IOV_MAX is 1024 on Linux).
  std::vector<std::string> strings;
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    strings.push_back(i % 7 == 0 ? "" : std::to_string(i) + ",");
    expected += strings.back();
  }
  std::vector<std::string_view> pieces(strings.begin(), strings.end());
  auto file = fs_.OpenForAppend(Path("v"));
  ASSERT_TRUE(file.has_value());
  ASSERT_TRUE((*file)->Append(pieces).ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(*fs_.ReadFile(Path("v")), expected);
}

TEST_F(PosixFileSystemTest, ReadAtReturnsFewerBytesOnlyAtTheEnd) {
  Write(Path("f"), "0123456789");
  EXPECT_EQ(*fs_.ReadAt(Path("f"), 2, 3), "234");
  EXPECT_EQ(*fs_.ReadAt(Path("f"), 8, 10), "89");
  EXPECT_EQ(*fs_.ReadAt(Path("f"), 20, 10), "");
}

TEST_F(PosixFileSystemTest, EmptyAndLargeFilesReadWhole) {
  Write(Path("empty"), "");
  EXPECT_EQ(*fs_.ReadFile(Path("empty")), "");
  const std::string large(3 << 20, 'L');
  Write(Path("large"), large);
  EXPECT_EQ(*fs_.ReadFile(Path("large")), large);
}

TEST_F(PosixFileSystemTest, DirectoriesAreCreatedListedAndSynced) {
  const std::string nested = Path("a/b/c");
  ASSERT_TRUE(fs_.CreateDirs(nested).ok());
  ASSERT_TRUE(fs_.CreateDirs(nested).ok());  // exists: fine
  Write(JoinPath(nested, "x"), "1");
  Write(JoinPath(nested, "y"), "2");
  auto names = fs_.ListDir(nested);
  ASSERT_TRUE(names.has_value());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(fs_.SyncDir(nested).ok());
}

TEST_F(PosixFileSystemTest, RenameRemoveAndTruncate) {
  Write(Path("a"), "abcdef");
  ASSERT_TRUE(fs_.Rename(Path("a"), Path("b")).ok());
  EXPECT_EQ(fs_.FileSize(Path("a")).error().code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs_.Truncate(Path("b"), 2).ok());
  EXPECT_EQ(*fs_.ReadFile(Path("b")), "ab");
  ASSERT_TRUE(fs_.Remove(Path("b")).ok());
  EXPECT_EQ(fs_.ReadFile(Path("b")).error().code(), StatusCode::kNotFound);
}

TEST_F(PosixFileSystemTest, ErrorsNameTheCallThePathAndTheErrnoText) {
  const Result<std::string> missing = fs_.ReadFile(Path("missing"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "open " + Path("missing") + ": No such file or directory");

  ASSERT_TRUE(fs_.CreateDirs(Path("d")).ok());
  const auto is_dir = fs_.OpenForAppend(Path("d"));
  ASSERT_FALSE(is_dir.has_value());
  EXPECT_EQ(is_dir.error().code(), StatusCode::kIOError);
  EXPECT_EQ(is_dir.error().message(), "open " + Path("d") + ": Is a directory");

  Write(Path("file"), "x");
  const Status not_dir = fs_.CreateDirs(Path("file/sub"));
  EXPECT_EQ(not_dir.code(), StatusCode::kIOError);
  EXPECT_NE(not_dir.message().find(Path("file/sub")), std::string::npos) << not_dir.message();
  EXPECT_EQ(fs_.ListDir(Path("nowhere")).error().code(), StatusCode::kNotFound);
}

TEST_F(PosixFileSystemTest, ClosedFileRefusesWork) {
  auto file = fs_.OpenForAppend(Path("f"));
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*file)->Append("x").code(), StatusCode::kIOError);
  EXPECT_EQ((*file)->Sync().code(), StatusCode::kIOError);
}

TEST(FilePaths, JoinAndDirName) {
  EXPECT_EQ(JoinPath("data/wal", "00000001.wal"), "data/wal/00000001.wal");
  EXPECT_EQ(JoinPath("data/wal/", "x"), "data/wal/x");
  EXPECT_EQ(JoinPath("", "x"), "x");
  EXPECT_EQ(DirName("data/wal/00000001.wal"), "data/wal");
  EXPECT_EQ(DirName("/x"), "/");
  EXPECT_EQ(DirName("x"), ".");
}

}  // namespace
}  // namespace metrify
