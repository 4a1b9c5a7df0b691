// ReadingsEngine::ScanRevisions and Days (revision_scan.cc): every stored
// revision of the series asked for, wherever it is (head, segments, both),
// and what compaction leaves of them. Suite named for `metrify migrate
// copy`, the one caller.
#include <gtest/gtest.h>

#include <map>

#include "store/engine/engine_test_support.h"
#include "store/engine/readings_engine.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine {
namespace {

using wal::WalSample;
using wal::test_support::TempDir;

using namespace test_support;

class MigrateCopyEngineScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ReadingsEngine::Open(FileSystem::Posix(), dir_.path(), ManualFlushOptions());
    ASSERT_TRUE(opened.has_value()) << opened.status().message();
    engine_ = std::move(opened).value();
  }
  void Append(std::vector<WalSample> samples) {
    auto counts = engine_->Append(kReading, samples);
    ASSERT_TRUE(counts.has_value()) << counts.status().message();
  }
  // (revision, energy) per timestamp of each meter visited.
  using Revisions = std::map<uint32_t, std::vector<std::tuple<int64_t, uint16_t, double>>>;
  Revisions Scan(std::vector<uint32_t> keys) {
    Revisions out;
    Status s = engine_->ScanRevisions(
        kReading, keys, [&](SeriesKey key, std::span<const HeadSample> samples) {
          EXPECT_EQ(key.kind, kReading);
          for (const HeadSample& h : samples) {
            out[key.entity_key].emplace_back(h.timestamp_ms, h.revision, h.values[0]);
          }
          return Status::Ok();
        });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  TempDir dir_;
  std::unique_ptr<ReadingsEngine> engine_;
};

const int64_t kT1 = kJan15 + kQuarter;
const int64_t kT2 = kJan15 + 2 * kQuarter;

TEST_F(MigrateCopyEngineScanTest, EveryRevisionInTheHeadInOrder) {
  Append({Reading(1, kT2, 0.5), Reading(1, kT1, 0.25), Reading(2, kT1, 2.0)});
  Append({Reading(1, kT1, 0.3)});
  Append({Reading(1, kT1, 0.35)});
  Revisions got = Scan({1, 2, 3});
  using R = std::vector<std::tuple<int64_t, uint16_t, double>>;
  EXPECT_EQ(got[1], (R{{kT1, 0, 0.25}, {kT1, 1, 0.3}, {kT1, 2, 0.35}, {kT2, 0, 0.5}}));
  EXPECT_EQ(got[2], (R{{kT1, 0, 2.0}}));
  EXPECT_FALSE(got.contains(3)) << "a key without samples is not visited";
}

TEST_F(MigrateCopyEngineScanTest, RevisionsSpreadOverSegmentsAndHeadAreMerged) {
  Append({Reading(1, kT1, 0.25), Reading(1, kT2, 0.5)});
  Append({Reading(1, kT1, 0.3)});
  ASSERT_TRUE(engine_->FlushAll().ok());
  // Late data into the flushed day: the next revision, in the head.
  Append({Reading(1, kT1, 0.4)});
  // And a day that never left the head.
  Append({Reading(1, kJan15 + kDay + kQuarter, 1.0)});
  using R = std::vector<std::tuple<int64_t, uint16_t, double>>;
  EXPECT_EQ(Scan({1})[1], (R{{kT1, 0, 0.25},
                             {kT1, 1, 0.3},
                             {kT1, 2, 0.4},
                             {kT2, 0, 0.5},
                             {kJan15 + kDay + kQuarter, 0, 1.0}}));
  const int32_t jan15 = PartitionOf(kJan15);
  EXPECT_EQ(engine_->Days(kReading), (std::vector<int32_t>{jan15, jan15 + 1}));
}

TEST_F(MigrateCopyEngineScanTest, CompactionKeepsTheRawAndTheLatestRevision) {
  Append({Reading(1, kT1, 0.25)});
  Append({Reading(1, kT1, 0.3)});
  Append({Reading(1, kT1, 0.35)});
  ASSERT_TRUE(engine_->FlushAll().ok());
  Append({Reading(1, kT1, 0.4)});
  ASSERT_TRUE(engine_->FlushAll().ok());
  ASSERT_TRUE(engine_->Compact(true).ok());
  using R = std::vector<std::tuple<int64_t, uint16_t, double>>;
  EXPECT_EQ(Scan({1})[1], (R{{kT1, 0, 0.25}, {kT1, 3, 0.4}}));
}

TEST_F(MigrateCopyEngineScanTest, AVisitorErrorStopsTheScan) {
  Append({Reading(1, kT1, 0.25), Reading(2, kT1, 0.5)});
  int visits = 0;
  const std::vector<uint32_t> keys = {1, 2};
  Status s = engine_->ScanRevisions(kReading, keys, [&](SeriesKey, std::span<const HeadSample>) {
    ++visits;
    return Status::Internal("stop here");
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(visits, 1);
  EXPECT_TRUE(engine_->Days(model::SeriesKind::kGridStatus).size() == 1)
      << "head days count for every kind";
}

}  // namespace
}  // namespace metrify::engine
