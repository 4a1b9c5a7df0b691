// Damaged segments: truncation, flipped bytes, other versions, block
// lengths that do not tile the data section and failed or interrupted
// writes are reported (Corruption naming the file, or IOError), never read
// half-way and never a crash.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/crc32c.h"
#include "common/fault_file_system.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/segment/format.h"
#include "store/engine/segment/segment_files.h"
#include "store/engine/segment/segment_reader.h"
#include "store/engine/segment/segment_test_support.h"
#include "store/engine/segment/segment_writer.h"

namespace metrify::engine::segment {
namespace {

using namespace test_support;
using model::SeriesKind;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class SegmentCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = SegmentWriter::Create(&fs_, good_, SeriesKind::kReading, kJan15,
                                   {.block = {}, .max_rows_per_group = 3});
    ASSERT_TRUE(w.has_value());
    for (uint32_t key : {4u, 9u}) {
      std::vector<HeadSample> s;
      for (int i = 0; i < 5; ++i)
        s.push_back(Sample(kJan15Ms + i * kQuarterHour, {i * 0.5, 230.1}));
      s.push_back(Sample(kJan15Ms + 4 * kQuarterHour, {9.0, 230.2}, 1));
      ASSERT_TRUE((*w)->Add({SeriesKind::kReading, key}, s).ok());
    }
    ASSERT_TRUE((*w)->Finish().has_value());
    bytes_ = Slurp(good_);
  }

  // Opens `bytes` as a segment and reads every series; the first error.
  Status OpenAndReadAll(const std::string& bytes) {
    Spit(bad_, bytes);
    auto r = SegmentReader::Open(&fs_, bad_);
    if (!r) return r.error();
    for (const SeriesEntry& e : (*r)->series()) {
      std::vector<HeadSample> out;
      METRIFY_RETURN_IF_ERROR((*r)->ReadRevisions(e.key.entity_key, INT64_MIN, INT64_MAX, &out));
    }
    return Status::Ok();
  }

  // The good segment with its index replaced by `series` re-encoded, and a
  // footer (offset, length, checksum) that matches: the damage is then
  // visible only to the index's structural checks.
  std::string WithIndex(const std::vector<SeriesEntry>& series) const {
    const uint64_t index_offset = codec::DecodeFixed64(bytes_.data() + bytes_.size() - kFooterSize);
    std::string out = bytes_.substr(0, index_offset);
    std::string index;
    EncodeIndex(series, &index);
    out += index;
    codec::PutFixed64(&out, index_offset);
    codec::PutFixed32(&out, static_cast<uint32_t>(index.size()));
    codec::PutFixed32(&out, crc32c::Extend(crc32c::Value(bytes_.data(), kHeaderSize), index.data(),
                                           index.size()));
    out.append(kMagic);
    return out;
  }

  // The good segment's index, as its reader parsed it.
  std::vector<SeriesEntry> GoodIndex() {
    auto r = SegmentReader::Open(&fs_, good_);
    EXPECT_TRUE(r.has_value()) << r.status().ToString();
    return r ? (*r)->series() : std::vector<SeriesEntry>{};
  }

  ::testing::AssertionResult IsCorruptionNamingFile(const Status& s) {
    if (s.code() != StatusCode::kCorruption) {
      return ::testing::AssertionFailure() << "not corruption: " << s.ToString();
    }
    if (s.message().find(bad_) == std::string::npos) {
      return ::testing::AssertionFailure() << "file not named: " << s.message();
    }
    return ::testing::AssertionSuccess();
  }

  FileSystem& fs_ = FileSystem::Posix();
  ScratchDir dir_;
  std::string good_ = dir_.File("00000001.seg");
  std::string bad_ = dir_.File("00000002.seg");
  std::string bytes_;
};

TEST_F(SegmentCorruptionTest, IntactCopyReads) { EXPECT_TRUE(OpenAndReadAll(bytes_).ok()); }

TEST_F(SegmentCorruptionTest, TruncationAtEveryOffsetIsCorruption) {
  for (size_t n = 0; n < bytes_.size(); ++n) {
    EXPECT_TRUE(IsCorruptionNamingFile(OpenAndReadAll(bytes_.substr(0, n)))) << "length " << n;
  }
}

TEST_F(SegmentCorruptionTest, EveryFlippedByteIsDetected) {
  // Blocks carry their own CRC32C; header and index are covered by the
  // footer's; the footer's offset and length are checked against the size.
  for (size_t i = 0; i < bytes_.size(); ++i) {
    for (char mask : {'\x01', '\x80'}) {
      std::string damaged = bytes_;
      damaged[i] ^= mask;
      EXPECT_TRUE(IsCorruptionNamingFile(OpenAndReadAll(damaged)))
          << "byte " << i << " mask " << int(mask);
    }
  }
}

TEST_F(SegmentCorruptionTest, DamagedBlockFailsItsReadWithItsOffset) {
  auto r = SegmentReader::Open(&fs_, good_);
  ASSERT_TRUE(r.has_value());
  const ColumnRef& c = (*r)->series()[1].groups[1].columns[0];
  std::string damaged = bytes_;
  damaged[c.offset + c.length - 1] ^= 0x10;  // inside the block's checksum
  Spit(bad_, damaged);
  auto opened = SegmentReader::Open(&fs_, bad_);
  ASSERT_TRUE(opened.has_value());  // the index is intact
  std::vector<HeadSample> out = {Sample(1, {1.0})};
  const Status s = (*opened)->ReadRevisions(9, INT64_MIN, INT64_MAX, &out);
  EXPECT_TRUE(IsCorruptionNamingFile(s));
  EXPECT_NE(s.message().find("offset " + std::to_string(c.offset)), std::string::npos)
      << s.message();
  EXPECT_EQ(out.size(), 1u);  // never half-read
  EXPECT_TRUE((*opened)->ReadRevisions(4, INT64_MIN, INT64_MAX, &out).ok());
}

TEST_F(SegmentCorruptionTest, NewerVersionIsReportedAsSuch) {
  std::string newer = bytes_;
  newer[8] = static_cast<char>(kFormatVersion + 1);
  const Status s = OpenAndReadAll(newer);
  EXPECT_TRUE(IsCorruptionNamingFile(s));
  EXPECT_NE(s.message().find("newer version"), std::string::npos) << s.message();
}

TEST_F(SegmentCorruptionTest, OlderVersionIsReportedAsSuch) {
  std::string older = bytes_;
  older[8] = static_cast<char>(kFormatVersion - 1);
  const Status s = OpenAndReadAll(older);
  EXPECT_TRUE(IsCorruptionNamingFile(s));
  EXPECT_NE(s.message().find("older version"), std::string::npos) << s.message();
}

TEST_F(SegmentCorruptionTest, ReencodedIndexReads) {
  // The helper below rebuilds a valid file when nothing is changed.
  EXPECT_EQ(WithIndex(GoodIndex()), bytes_);
}

TEST_F(SegmentCorruptionTest, BlockLengthsLeavingAHoleBeforeTheIndexAreCorruption) {
  std::vector<SeriesEntry> series = GoodIndex();
  ASSERT_EQ(series.size(), 2u);
  series.back().groups.back().columns.back().length -= 1;
  const std::string bytes = WithIndex(series);
  const Status s = OpenAndReadAll(bytes);
  EXPECT_TRUE(IsCorruptionNamingFile(s));
  const uint64_t index_offset = codec::DecodeFixed64(bytes.data() + bytes.size() - kFooterSize);
  EXPECT_NE(s.message().find(fmt::format("index at offset {}", index_offset)), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(fmt::format("column blocks end at offset {}, but the index starts "
                                         "at {}: the block lengths do not tile",
                                         index_offset - 1, index_offset)),
            std::string::npos)
      << s.message();
}

TEST_F(SegmentCorruptionTest, BlockLengthsRunningIntoTheIndexAreCorruption) {
  std::vector<SeriesEntry> series = GoodIndex();
  ASSERT_EQ(series.size(), 2u);
  series.front().groups.front().columns.front().length += 1;
  const Status s = OpenAndReadAll(WithIndex(series));
  EXPECT_TRUE(IsCorruptionNamingFile(s));
  EXPECT_NE(s.message().find("runs past the data section"), std::string::npos) << s.message();
}

TEST_F(SegmentCorruptionTest, ShiftedBlockBoundaryFailsTheBlockChecksum) {
  // Lengths that still tile, but move a byte from one block to the next:
  // the structure cannot tell, the blocks' own checksums do.
  std::vector<SeriesEntry> series = GoodIndex();
  ASSERT_EQ(series.size(), 2u);
  std::vector<ColumnRef>& columns = series.front().groups.front().columns;
  columns[0].length += 1;
  columns[1].length -= 1;
  const std::string bytes = WithIndex(series);
  Spit(bad_, bytes);
  ASSERT_TRUE(SegmentReader::Open(&fs_, bad_).has_value());
  EXPECT_TRUE(IsCorruptionNamingFile(OpenAndReadAll(bytes)));
}

TEST_F(SegmentCorruptionTest, FailedSyncLeavesNoSegment) {
  TEST_FaultFileSystem fault;
  auto w = SegmentWriter::Create(&fault, dir_.File("00000003.seg"), SeriesKind::kReading, kJan15);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 1}, std::vector{Sample(kJan15Ms, {1.0})}).ok());
  fault.FailSyncAt(1);
  EXPECT_EQ((*w)->Finish().status().code(), StatusCode::kIOError);
  w->reset();  // the destructor removes the .tmp
  auto seqs = ListSegments(&fs_, dir_.path());
  ASSERT_TRUE(seqs.has_value());
  EXPECT_EQ(*seqs, (std::vector<uint32_t>{1}));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("00000003.seg.tmp")));
}

TEST_F(SegmentCorruptionTest, FinishedSegmentSurvivesACrash) {
  TEST_FaultFileSystem fault;
  const std::string path = dir_.File("00000003.seg");
  auto w = SegmentWriter::Create(&fault, path, SeriesKind::kReading, kJan15);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 1}, std::vector{Sample(kJan15Ms, {1.0})}).ok());
  ASSERT_TRUE((*w)->Finish().has_value());
  fault.Crash();
  fault.Restart();
  auto r = SegmentReader::Open(&fault, path);
  ASSERT_TRUE(r.has_value()) << r.status().ToString();
  EXPECT_EQ((*r)->series().size(), 1u);
}

}  // namespace
}  // namespace metrify::engine::segment
