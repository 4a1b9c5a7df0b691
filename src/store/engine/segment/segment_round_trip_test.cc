// Write/read round trips of segments: many series, gaps, revisions, NaN,
// every kind, range queries at group and partition edges, statistics.
#include <gtest/gtest.h>

#include <cmath>

#include <map>
#include <random>

#include "store/engine/codec/block.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/segment/format.h"
#include "store/engine/segment/segment_reader.h"
#include "store/engine/segment/segment_test_support.h"
#include "store/engine/segment/segment_writer.h"

namespace metrify::engine::segment {
namespace {

using namespace test_support;
using model::SeriesKind;

class SegmentRoundTripTest : public ::testing::Test {
 protected:
  // Writes `series` into one segment of `kind` and opens it.
  std::unique_ptr<SegmentReader> WriteAndOpen(
      SeriesKind kind, const std::map<uint32_t, std::vector<HeadSample>>& series,
      SegmentWriterOptions options = {}) {
    auto w = SegmentWriter::Create(&fs_, path_, kind, kJan15, options);
    EXPECT_TRUE(w.has_value()) << w.status().ToString();
    for (const auto& [key, samples] : series) {  // ascending, as Add requires
      const Status s = (*w)->Add({kind, key}, samples);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    auto info = (*w)->Finish();
    EXPECT_TRUE(info.has_value()) << info.status().ToString();
    auto r = SegmentReader::Open(&fs_, path_);
    EXPECT_TRUE(r.has_value()) << r.status().ToString();
    return std::move(r).value();
  }

  FileSystem& fs_ = FileSystem::Posix();
  ScratchDir dir_;
  std::string path_ = dir_.File("00000001.seg");
};

// A meter-day with gaps, random revisions and a NaN reading.
std::vector<HeadSample> RandomDay(std::mt19937& rng, int fields) {
  std::vector<HeadSample> out;
  std::uniform_real_distribution<double> value(0, 500);
  for (int slot = 0; slot < 96; ++slot) {
    if (rng() % 10 == 0) continue;  // a gap
    const int revisions = rng() % 8 == 0 ? 2 + rng() % 2 : 1;
    for (int r = 0; r < revisions; ++r) {
      std::vector<double> v;
      for (int f = 0; f < fields; ++f) v.push_back(std::round(value(rng) * 1000) / 1000);
      if (slot == 7) v[0] = std::nan("");
      HeadSample s = Sample(kJan15Ms + slot * kQuarterHour, v, static_cast<uint16_t>(r));
      if (slot % 5 == 0) s.present &= static_cast<uint16_t>(~2u);  // field 1 missing
      out.push_back(s);
    }
  }
  return out;
}

std::vector<HeadSample> Latest(const std::vector<HeadSample>& all) {
  std::vector<HeadSample> out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i + 1 == all.size() || all[i + 1].timestamp_ms != all[i].timestamp_ms)
      out.push_back(all[i]);
  }
  return out;
}

TEST_F(SegmentRoundTripTest, ManySeriesOfEveryKindReadBackBitExact) {
  for (SeriesKind kind :
       {SeriesKind::kReading, SeriesKind::kGridStatus, SeriesKind::kObservation}) {
    std::mt19937 rng(static_cast<uint32_t>(kind));
    const int fields = static_cast<int>(model::SeriesFields(kind).size());
    std::map<uint32_t, std::vector<HeadSample>> series;
    for (uint32_t key = 1; key < 300; key += 1 + rng() % 3) series[key] = RandomDay(rng, fields);
    auto r = WriteAndOpen(kind, series, {.block = {}, .max_rows_per_group = 40});
    EXPECT_EQ(r->kind(), kind);
    EXPECT_EQ(r->day(), kJan15);
    ASSERT_EQ(r->series().size(), series.size());
    for (const auto& [key, samples] : series) {
      std::vector<HeadSample> all, latest;
      ASSERT_TRUE(r->ReadRevisions(key, INT64_MIN, INT64_MAX, &all).ok());
      ASSERT_TRUE(r->ReadLatest(key, INT64_MIN, INT64_MAX, &latest).ok());
      EXPECT_TRUE(SameSamples(samples, all)) << "key " << key;
      EXPECT_TRUE(SameSamples(Latest(samples), latest)) << "key " << key;
    }
  }
}

TEST_F(SegmentRoundTripTest, IndexIsSortedByEntityKeyWithTotals) {
  std::map<uint32_t, std::vector<HeadSample>> series;
  series[900] = {Sample(kJan15Ms + kQuarterHour, {1.0})};
  series[3] = {Sample(kJan15Ms, {2.0}), Sample(kJan15Ms + kDayMs - 1, {3.0})};
  auto r = WriteAndOpen(SeriesKind::kReading, series);
  ASSERT_EQ(r->series().size(), 2u);
  EXPECT_EQ(r->series()[0].key.entity_key, 3u);
  EXPECT_EQ(r->series()[0].sample_count, 2u);
  EXPECT_EQ(r->series()[0].min_ts, kJan15Ms);
  EXPECT_EQ(r->series()[0].max_ts, kJan15Ms + kDayMs - 1);
  EXPECT_EQ(r->series()[1].key.entity_key, 900u);
  EXPECT_EQ(r->Find(4), nullptr);
  std::vector<HeadSample> none;
  EXPECT_TRUE(r->ReadLatest(4, INT64_MIN, INT64_MAX, &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST_F(SegmentRoundTripTest, RangeQueriesAtGroupAndPartitionEdges) {
  std::vector<HeadSample> day;  // 96 quarter-hours, 00:00 .. 23:45, groups of 10
  for (int i = 0; i < 96; ++i) day.push_back(Sample(kJan15Ms + i * kQuarterHour, {i * 1.0}));
  auto r = WriteAndOpen(SeriesKind::kReading, {{7, day}}, {.block = {}, .max_rows_per_group = 10});
  ASSERT_EQ(r->series()[0].groups.size(), 10u);
  auto count = [&](int64_t start, int64_t end) {
    std::vector<HeadSample> out;
    EXPECT_TRUE(r->ReadLatest(7, start, end, &out).ok());
    return out.size();
  };
  const int64_t t10 = kJan15Ms + 10 * kQuarterHour;  // first of the second group
  EXPECT_EQ(count(kJan15Ms, kJan15Ms + kDayMs), 96u);
  EXPECT_EQ(count(kJan15Ms, t10), 10u);  // exactly the first group, end exclusive
  EXPECT_EQ(count(t10, t10 + 1), 1u);    // the first of a group
  EXPECT_EQ(count(t10 - 1, t10), 0u);    // the gap between groups
  EXPECT_EQ(count(t10 - kQuarterHour, t10 + kQuarterHour), 2u);           // straddles a group edge
  EXPECT_EQ(count(kJan15Ms - kDayMs, kJan15Ms), 0u);                      // the previous day
  EXPECT_EQ(count(kJan15Ms + kDayMs, INT64_MAX), 0u);                     // the next day
  EXPECT_EQ(count(kJan15Ms + 95 * kQuarterHour, kJan15Ms + kDayMs), 1u);  // the day's last
  EXPECT_EQ(count(t10, t10), 0u);                                         // empty range
}

// Reading one field decodes only its column; the others come back absent.
TEST_F(SegmentRoundTripTest, AFieldMaskReadsOnlyThoseFields) {
  std::vector<HeadSample> day;
  for (int i = 0; i < 96; ++i) {
    day.push_back(Sample(kJan15Ms + i * kQuarterHour, {i * 0.25, 0, 0, 230 + i * 0.1}));
  }
  auto r = WriteAndOpen(SeriesKind::kReading, {{7, day}});
  std::vector<HeadSample> energy, voltage;
  ASSERT_TRUE(r->ReadLatest(7, kJan15Ms, kJan15Ms + kDayMs, &energy, 1u << 0).ok());
  ASSERT_TRUE(r->ReadLatest(7, kJan15Ms, kJan15Ms + kDayMs, &voltage, 1u << 3).ok());
  ASSERT_EQ(energy.size(), 96u);
  ASSERT_EQ(voltage.size(), 96u);
  for (int i = 0; i < 96; ++i) {
    EXPECT_EQ(energy[i].present, 1u << 0);
    EXPECT_EQ(energy[i].values[0], i * 0.25);
    EXPECT_TRUE(std::isnan(energy[i].values[3]));
    EXPECT_EQ(voltage[i].present, 1u << 3);
    EXPECT_EQ(voltage[i].values[3], day[i].values[3]);
    EXPECT_EQ(voltage[i].timestamp_ms, day[i].timestamp_ms);
  }
}

TEST_F(SegmentRoundTripTest, LatestRevisionWinsAndAllRevisionsAreKept) {
  std::vector<HeadSample> s = {Sample(kJan15Ms, {1.0}, 0), Sample(kJan15Ms, {1.5}, 1),
                               Sample(kJan15Ms, {1.25}, 2),
                               Sample(kJan15Ms + kQuarterHour, {2.0}, 0)};
  s[1].interval_s = 60;  // a revision may change the interval too
  auto r = WriteAndOpen(SeriesKind::kReading, {{1, s}});
  EXPECT_TRUE(r->series()[0].groups[0].revised());
  std::vector<HeadSample> latest, all;
  ASSERT_TRUE(r->ReadLatest(1, INT64_MIN, INT64_MAX, &latest).ok());
  ASSERT_TRUE(r->ReadRevisions(1, INT64_MIN, INT64_MAX, &all).ok());
  EXPECT_TRUE(SameSamples({s[2], s[3]}, latest));
  EXPECT_TRUE(SameSamples(s, all));
}

TEST_F(SegmentRoundTripTest, RevisionsOfOneTimestampNeverStraddleGroups) {
  std::vector<HeadSample> s;
  for (int t = 0; t < 4; ++t) {
    for (uint16_t rev = 0; rev < 3; ++rev) s.push_back(Sample(kJan15Ms + t, {t + rev * 0.5}, rev));
  }
  auto r = WriteAndOpen(SeriesKind::kReading, {{1, s}}, {.block = {}, .max_rows_per_group = 4});
  for (const BlockGroup& g : r->series()[0].groups) EXPECT_EQ(g.rows % 3, 0u);
  std::vector<HeadSample> all;
  ASSERT_TRUE(r->ReadRevisions(1, INT64_MIN, INT64_MAX, &all).ok());
  EXPECT_TRUE(SameSamples(s, all));
}

TEST_F(SegmentRoundTripTest, StatisticsMatchDecodedValues) {
  std::mt19937 rng(5);
  auto r = WriteAndOpen(SeriesKind::kReading, {{1, RandomDay(rng, 4)}, {2, RandomDay(rng, 4)}},
                        {.block = {}, .max_rows_per_group = 16});
  for (const SeriesEntry& e : r->series()) {
    for (const BlockGroup& g : e.groups) {
      std::vector<HeadSample> rows;
      ASSERT_TRUE(r->ReadGroup(g, &rows).ok());
      for (const ColumnRef& c : g.columns) {
        if (c.column >= model::kMaxSeriesFields) continue;
        std::vector<double> values;
        for (const HeadSample& h : rows) values.push_back(h.values[c.column]);
        const codec::BlockStats want = codec::ComputeStats(values);
        EXPECT_EQ(c.stats.count, want.count);
        EXPECT_EQ(std::bit_cast<uint64_t>(c.stats.sum), std::bit_cast<uint64_t>(want.sum));
        EXPECT_EQ(std::bit_cast<uint64_t>(c.stats.min), std::bit_cast<uint64_t>(want.min));
        EXPECT_EQ(std::bit_cast<uint64_t>(c.stats.max), std::bit_cast<uint64_t>(want.max));
        EXPECT_EQ(std::bit_cast<uint64_t>(c.stats.first), std::bit_cast<uint64_t>(want.first));
        EXPECT_EQ(std::bit_cast<uint64_t>(c.stats.last), std::bit_cast<uint64_t>(want.last));
      }
    }
  }
}

TEST_F(SegmentRoundTripTest, ConstantIntervalAndPresentLiveInTheIndex) {
  std::vector<HeadSample> s;
  for (int i = 0; i < 96; ++i) s.push_back(Sample(kJan15Ms + i * kQuarterHour, {0.1, 230.0}));
  auto r = WriteAndOpen(SeriesKind::kReading, {{1, s}});
  const BlockGroup& g = r->series()[0].groups[0];
  EXPECT_EQ(g.flags, kBlockConstInterval | kBlockConstPresent);
  EXPECT_EQ(g.interval_s, 900);
  EXPECT_EQ(g.present, 3);
  EXPECT_EQ(g.columns.size(), 3u);  // two fields and the timestamps
}

TEST_F(SegmentRoundTripTest, AddRejectsBadInputAndKeepsTheWriterUsable) {
  auto w = SegmentWriter::Create(&fs_, path_, SeriesKind::kReading, kJan15);
  ASSERT_TRUE(w.has_value());
  const HeadSample a = Sample(kJan15Ms, {1.0}), b = Sample(kJan15Ms + 1, {2.0});
  EXPECT_EQ((*w)->Add({SeriesKind::kGridStatus, 1}, std::vector{a}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*w)->Add({SeriesKind::kReading, 1}, std::vector{b, a}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*w)->Add({SeriesKind::kReading, 1}, std::vector{Sample(kJan15Ms - 1, {1.0})}).code(),
            StatusCode::kInvalidArgument);
  HeadSample unknown_field = a;
  unknown_field.present = 1u << 11;
  EXPECT_EQ((*w)->Add({SeriesKind::kReading, 1}, std::vector{unknown_field}).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 1}, std::vector{a, b}).ok());
  EXPECT_EQ((*w)->Add({SeriesKind::kReading, 1}, std::vector{a}).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE((*w)->Finish().has_value());
  auto r = SegmentReader::Open(&fs_, path_);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->series().size(), 1u);
}

// The index stores no offsets, so blocks must be in index order: the
// writer refuses a series that would go anywhere but after the last one.
TEST_F(SegmentRoundTripTest, AddRefusesSeriesOutOfEntityKeyOrder) {
  auto w = SegmentWriter::Create(&fs_, path_, SeriesKind::kReading, kJan15);
  ASSERT_TRUE(w.has_value());
  const std::vector<HeadSample> s = {Sample(kJan15Ms, {1.0})};
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 10}, s).ok());
  const Status lower = (*w)->Add({SeriesKind::kReading, 3}, s);
  EXPECT_EQ(lower.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(lower.message().find("series 3 added after series 10"), std::string::npos)
      << lower.message();
  EXPECT_EQ((*w)->Add({SeriesKind::kReading, 10}, s).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*w)->Add({SeriesKind::kReading, 11}, s).ok());
  ASSERT_TRUE((*w)->Finish().has_value());
  auto r = SegmentReader::Open(&fs_, path_);
  ASSERT_TRUE(r.has_value()) << r.status().ToString();
  ASSERT_EQ((*r)->series().size(), 2u);
  EXPECT_EQ((*r)->series()[1].key.entity_key, 11u);
}

// Offsets follow from the lengths: the blocks sit back to back from the
// header's end in index order, the last one ending where the index starts.
TEST_F(SegmentRoundTripTest, BlocksTileTheDataSectionInIndexOrder) {
  std::mt19937 rng(9);
  std::map<uint32_t, std::vector<HeadSample>> series;
  for (uint32_t key : {2u, 5u, 40u}) series[key] = RandomDay(rng, 4);
  auto r = WriteAndOpen(SeriesKind::kReading, series, {.block = {}, .max_rows_per_group = 30});
  uint64_t next = kHeaderSize;
  for (const SeriesEntry& e : r->series()) {
    for (const BlockGroup& g : e.groups) {
      for (const ColumnRef& c : g.columns) {
        EXPECT_EQ(c.offset, next) << "series " << e.key.entity_key << " column " << int(c.column);
        next = c.offset + c.length;
      }
    }
  }
  auto footer = fs_.ReadAt(path_, r->file_bytes() - kFooterSize, kFooterSize);
  ASSERT_TRUE(footer.has_value());
  EXPECT_EQ(next, codec::DecodeFixed64(footer->data()));  // the index offset
}

TEST_F(SegmentRoundTripTest, EmptySegmentHasAnEmptyIndex) {
  auto r = WriteAndOpen(SeriesKind::kObservation, {});
  EXPECT_TRUE(r->series().empty());
  EXPECT_EQ(r->file_bytes(), kHeaderSize + 1 + kFooterSize);
}

}  // namespace
}  // namespace metrify::engine::segment
