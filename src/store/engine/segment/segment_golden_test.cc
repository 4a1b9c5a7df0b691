// Golden file: a segment written by the v2 writer and committed under
// tests/data/format/v2/. It must read back to these samples forever, and
// today's writer must still produce it byte for byte. Never rewrite a
// committed golden file: a format change gets a new version and directory.
// To create it once: METRIFY_WRITE_GOLDEN=1 metrify_tests
// --gtest_filter='SegmentGolden*'. The v1 file (same samples, block offsets
// stored in the index) stays as proof that an older file is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/engine/segment/segment_reader.h"
#include "store/engine/segment/segment_test_support.h"
#include "store/engine/segment/segment_writer.h"

namespace metrify::engine::segment {
namespace {

using namespace test_support;
using model::SeriesKind;

constexpr char kGoldenFile[] = "segment_reading.seg";

std::string GoldenPath(const char* version = "v2") {
  return std::string(METRIFY_SOURCE_DIR) + "/tests/data/format/" + version + "/" + kGoldenFile;
}

// Meter 3: a gap at 00:45, a revision at 00:30, a NaN at 01:00. Meter 10:
// one hourly reading with only energy.
std::vector<HeadSample> Meter3() {
  return {Sample(kJan15Ms + 1 * kQuarterHour, {0.25, NAN, NAN, 230.1}),
          Sample(kJan15Ms + 2 * kQuarterHour, {0.5, NAN, NAN, 230.2}, 0),
          Sample(kJan15Ms + 2 * kQuarterHour, {0.75, NAN, NAN, 230.2}, 1),
          Sample(kJan15Ms + 4 * kQuarterHour, {NAN, NAN, NAN, 229.9})};
}

std::vector<HeadSample> Meter10() { return {Sample(kJan15Ms + kQuarterHour, {1.0}, 0, 3600)}; }

// Clears the fields the golden samples leave absent (Sample() sets them).
std::vector<HeadSample> EnergyAndVoltage(std::vector<HeadSample> s) {
  for (HeadSample& h : s) h.present &= 0b1001;
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string WriteGolden(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  auto w = SegmentWriter::Create(&FileSystem::Posix(), path, SeriesKind::kReading, kJan15);
  EXPECT_TRUE(w.has_value());
  EXPECT_TRUE((*w)->Add({SeriesKind::kReading, 3}, EnergyAndVoltage(Meter3())).ok());
  EXPECT_TRUE((*w)->Add({SeriesKind::kReading, 10}, Meter10()).ok());
  EXPECT_TRUE((*w)->Finish().has_value());
  return Slurp(path);
}

TEST(SegmentGoldenTest, V2SegmentReadsForever) {
  if (std::getenv("METRIFY_WRITE_GOLDEN")) WriteGolden(GoldenPath());
  auto r = SegmentReader::Open(&FileSystem::Posix(), GoldenPath());
  ASSERT_TRUE(r.has_value()) << r.status().ToString();
  EXPECT_EQ((*r)->kind(), SeriesKind::kReading);
  EXPECT_EQ((*r)->day(), kJan15);
  ASSERT_EQ((*r)->series().size(), 2u);
  std::vector<HeadSample> all, latest, ten;
  ASSERT_TRUE((*r)->ReadRevisions(3, INT64_MIN, INT64_MAX, &all).ok());
  ASSERT_TRUE((*r)->ReadLatest(3, INT64_MIN, INT64_MAX, &latest).ok());
  ASSERT_TRUE((*r)->ReadLatest(10, INT64_MIN, INT64_MAX, &ten).ok());
  const auto meter3 = EnergyAndVoltage(Meter3());
  EXPECT_TRUE(SameSamples(meter3, all));
  EXPECT_TRUE(SameSamples({meter3[0], meter3[2], meter3[3]}, latest));
  EXPECT_TRUE(SameSamples(Meter10(), ten));
}

TEST(SegmentGoldenTest, WriterStillProducesTheV2BytesExactly) {
  ScratchDir dir;
  EXPECT_EQ(WriteGolden(dir.File("00000001.seg")), Slurp(GoldenPath()))
      << "the segment writer's output changed: bump kFormatVersion and add a v3 golden file";
}

// The reader reads only the version it writes; a v1 file is refused whole,
// naming both versions, rather than read with v2 rules.
TEST(SegmentGoldenTest, V1SegmentIsRefusedNamingBothVersions) {
  const std::string v1 = GoldenPath("v1");
  ASSERT_TRUE(std::filesystem::exists(v1)) << v1;
  auto r = SegmentReader::Open(&FileSystem::Posix(), v1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  const std::string& message = r.status().message();
  EXPECT_NE(message.find(v1 + " at offset 8"), std::string::npos) << message;
  EXPECT_NE(message.find("unsupported format version 1 (written by an older version)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("reads only version 2"), std::string::npos) << message;
}

}  // namespace
}  // namespace metrify::engine::segment
