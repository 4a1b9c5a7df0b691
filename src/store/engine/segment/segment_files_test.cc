// Segment file names, listing, and leftovers of interrupted writes.
#include <gtest/gtest.h>

#include <fstream>

#include "store/engine/segment/segment_files.h"
#include "store/engine/segment/segment_test_support.h"
#include "store/engine/segment/segment_writer.h"

namespace metrify::engine::segment {
namespace {

using namespace test_support;
using model::SeriesKind;

TEST(SegmentFilesTest, PartitionDirNamesKindAndUtcDate) {
  EXPECT_EQ(PartitionDir("data/engine", SeriesKind::kReading, kJan15),
            "data/engine/reading/2025-01-15");
  EXPECT_EQ(PartitionDir("d", SeriesKind::kObservation, -1), "d/observation/1969-12-31");
  EXPECT_EQ(SegmentFileName(42), "00000042.seg");
}

TEST(SegmentFilesTest, TmpOfAnUnfinishedWriteIsNotASegment) {
  ScratchDir dir;
  FileSystem& fs = FileSystem::Posix();
  auto w = SegmentWriter::Create(&fs, dir.File(SegmentFileName(2)), SeriesKind::kReading, kJan15);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 1}, std::vector{Sample(kJan15Ms, {1.0})}).ok());
  std::ofstream(dir.File("notes.txt")) << "x";
  std::ofstream(dir.File("1.seg")) << "x";
  auto seqs = ListSegments(&fs, dir.path());
  ASSERT_TRUE(seqs.has_value());
  EXPECT_TRUE(seqs->empty());
  ASSERT_TRUE((*w)->Finish().has_value());
  seqs = ListSegments(&fs, dir.path());
  ASSERT_TRUE(seqs.has_value());
  EXPECT_EQ(*seqs, (std::vector<uint32_t>{2}));
}

TEST(SegmentFilesTest, LeftoverTmpIsRemovedAtStart) {
  ScratchDir dir;
  FileSystem& fs = FileSystem::Posix();
  std::ofstream(dir.File("00000007.seg.tmp")) << "half a segment";
  std::ofstream(dir.File("00000006.seg")) << "kept";
  auto removed = RemoveLeftoverTemps(&fs, dir.path());
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(std::filesystem::exists(dir.File("00000007.seg.tmp")));
  EXPECT_TRUE(std::filesystem::exists(dir.File("00000006.seg")));
}

TEST(SegmentFilesTest, MissingDirectoryListsNothing) {
  FileSystem& fs = FileSystem::Posix();
  auto seqs = ListSegments(&fs, "/nonexistent/segment/dir");
  ASSERT_TRUE(seqs.has_value());
  EXPECT_TRUE(seqs->empty());
  auto removed = RemoveLeftoverTemps(&fs, "/nonexistent/segment/dir");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(*removed, 0);
}

}  // namespace
}  // namespace metrify::engine::segment
