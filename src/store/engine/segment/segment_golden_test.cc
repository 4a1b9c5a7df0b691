// Golden file: a segment written by the v1 writer and committed under
// tests/data/format/v1/. It must read back to these samples forever, and
// today's writer must still produce it byte for byte. Never rewrite a v1
// file: a format change gets a new version and directory. To create it
// once: METRIFY_WRITE_GOLDEN=1 metrify_tests --gtest_filter='SegmentGolden*'.
#include <gtest/gtest.h>

#include <cstdlib>
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

std::string GoldenPath() {
  return std::string(METRIFY_SOURCE_DIR) + "/tests/data/format/v1/" + kGoldenFile;
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
  auto w = SegmentWriter::Create(&FileSystem::Posix(), path, SeriesKind::kReading, kJan15);
  EXPECT_TRUE(w.has_value());
  EXPECT_TRUE((*w)->Add({SeriesKind::kReading, 10}, Meter10()).ok());
  EXPECT_TRUE((*w)->Add({SeriesKind::kReading, 3}, EnergyAndVoltage(Meter3())).ok());
  EXPECT_TRUE((*w)->Finish().has_value());
  return Slurp(path);
}

TEST(SegmentGoldenTest, V1SegmentReadsForever) {
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

TEST(SegmentGoldenTest, WriterStillProducesTheV1BytesExactly) {
  ScratchDir dir;
  EXPECT_EQ(WriteGolden(dir.File("00000001.seg")), Slurp(GoldenPath()))
      << "the segment writer's output changed: bump kFormatVersion and add a v2 golden file";
}

}  // namespace
}  // namespace metrify::engine::segment
