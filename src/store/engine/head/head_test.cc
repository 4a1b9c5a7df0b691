#include "store/engine/head/head.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

namespace metrify::engine {
namespace {

constexpr int64_t kQuarter = 900'000;
constexpr int64_t kDay = 86'400'000;
const SeriesKey kMeter{model::SeriesKind::kReading, 7};

HeadSample Reading(int64_t ts, double energy) {
  HeadSample s;
  s.timestamp_ms = ts;
  s.interval_s = 900;
  s.present = 1;
  s.values[0] = energy;
  return s;
}

std::vector<HeadSample> Latest(const Head& head, SeriesKey key, int64_t start, int64_t end) {
  std::vector<HeadSample> out;
  head.ScanLatest(key, start, end, &out);
  return out;
}

TEST(Head, IdenticalRepeatIsANoOpAndAChangeIsANewRevision) {
  Head head;
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.25)), UpsertOutcome::kInserted);
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.25)), UpsertOutcome::kUnchanged);
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.31)), UpsertOutcome::kRevised);
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.31)), UpsertOutcome::kUnchanged);
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.25)), UpsertOutcome::kRevised)
      << "going back to the first value is still a change from the latest";
  std::vector<HeadSample> all;
  head.ScanRevisions(kMeter, 0, kDay, &all);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].values[0], 0.25) << "the raw original is kept";
  EXPECT_EQ(all[0].revision, 0);
  EXPECT_EQ(all[2].revision, 2);
  auto latest = Latest(head, kMeter, 0, kDay);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].values[0], 0.25);
  EXPECT_EQ(latest[0].revision, 2);
}

TEST(Head, ASampleOfAFlushedTimestampIsComparedWithTheFlushedRevision) {
  Head head;
  HeadSample flushed = Reading(kQuarter, 0.25);
  flushed.revision = 3;
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.25), &flushed), UpsertOutcome::kUnchanged)
      << "a retry of flushed data is a no-op";
  EXPECT_EQ(head.sample_count(), 0u);
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.5), &flushed), UpsertOutcome::kRevised);
  auto latest = Latest(head, kMeter, 0, kDay);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].revision, 4) << "numbering continues after the flushed revision";
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.5), &flushed), UpsertOutcome::kUnchanged)
      << "once the head holds the timestamp, the head's latest revision decides";
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, 0.25), &flushed), UpsertOutcome::kRevised);
  EXPECT_EQ(Latest(head, kMeter, 0, kDay)[0].revision, 5);
}

TEST(Head, ANewFieldOrAnotherIntervalIsAChange) {
  Head head;
  head.Upsert(kMeter, Reading(kQuarter, 0.25));
  HeadSample with_voltage = Reading(kQuarter, 0.25);
  with_voltage.values[3] = 231.4;
  with_voltage.present |= 1u << 3;
  EXPECT_EQ(head.Upsert(kMeter, with_voltage), UpsertOutcome::kRevised);
  HeadSample hourly = with_voltage;
  hourly.interval_s = 3600;
  EXPECT_EQ(head.Upsert(kMeter, hourly), UpsertOutcome::kRevised);
}

TEST(Head, NegativeZeroAndNaNCompareBitwise) {
  Head head;
  head.Upsert(kMeter, Reading(kQuarter, 0.0));
  EXPECT_EQ(head.Upsert(kMeter, Reading(kQuarter, -0.0)), UpsertOutcome::kRevised);
  head.Upsert(kMeter, Reading(2 * kQuarter, std::nan("")));
  EXPECT_EQ(head.Upsert(kMeter, Reading(2 * kQuarter, std::nan(""))), UpsertOutcome::kUnchanged);
}

TEST(Head, LateAndOutOfOrderSamplesAreReturnedInTimeOrder) {
  Head head;
  std::vector<int64_t> order = {5, 1, 3, 2, 4, 0};
  for (int64_t q : order) head.Upsert(kMeter, Reading(q * kQuarter, static_cast<double>(q)));
  auto latest = Latest(head, kMeter, 0, kDay);
  ASSERT_EQ(latest.size(), order.size());
  for (size_t i = 0; i < latest.size(); ++i) {
    EXPECT_EQ(latest[i].timestamp_ms, static_cast<int64_t>(i) * kQuarter);
  }
}

TEST(Head, ScansCrossPartitionsAndRespectTheHalfOpenRange) {
  Head head;
  for (int64_t t = kDay - 2 * kQuarter; t <= kDay + 2 * kQuarter; t += kQuarter) {
    head.Upsert(kMeter, Reading(t, 1));
  }
  EXPECT_EQ(head.Partitions(), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(Latest(head, kMeter, kDay - kQuarter, kDay + kQuarter).size(), 2u);
  EXPECT_EQ(Latest(head, kMeter, 0, 2 * kDay).size(), 5u);
  EXPECT_TRUE(Latest(head, {model::SeriesKind::kGridStatus, 7}, 0, 2 * kDay).empty())
      << "same entity key, other kind: another series";
}

TEST(Head, PartitionOfFloorsBeforeTheEpoch) {
  EXPECT_EQ(PartitionOf(0), 0);
  EXPECT_EQ(PartitionOf(kDay - 1), 0);
  EXPECT_EQ(PartitionOf(-1), -1);
}

TEST(Head, DrainHandsOverOneDayAndKeepsTheRest) {
  Head head;
  for (uint32_t meter = 0; meter < 10; ++meter) {
    for (int64_t t = 0; t < 2 * kDay; t += kQuarter) {
      head.Upsert({model::SeriesKind::kReading, meter}, Reading(t, 1));
    }
  }
  EXPECT_EQ(head.sample_count(), 10u * 192);
  size_t visited = 0, series = 0;
  head.DrainPartition(0, [&](SeriesKey, std::vector<HeadSample>& samples) {
    ++series;
    visited += samples.size();
    EXPECT_TRUE(std::is_sorted(
        samples.begin(), samples.end(),
        [](const HeadSample& a, const HeadSample& b) { return a.timestamp_ms < b.timestamp_ms; }));
  });
  EXPECT_EQ(series, 10u);
  EXPECT_EQ(visited, 10u * 96);
  EXPECT_EQ(head.sample_count(), 10u * 96);
  EXPECT_EQ(head.Partitions(), (std::vector<int32_t>{1}));
  EXPECT_GT(head.memory_bytes(), 0u);
}

TEST(Head, ConcurrentWritersAndReadersSeeEverySample) {
  Head head;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&head, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kPerThread; ++i) {
        SeriesKey key{model::SeriesKind::kReading, static_cast<uint32_t>(rng() % 50)};
        head.Upsert(key, Reading((static_cast<int64_t>(t) * kPerThread + i) * 1000, 1));
        std::vector<HeadSample> out;
        head.ScanLatest(key, 0, kDay, &out);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  size_t total = 0;
  for (uint32_t m = 0; m < 50; ++m) {
    total += Latest(head, {model::SeriesKind::kReading, m}, 0, kDay).size();
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace metrify::engine
