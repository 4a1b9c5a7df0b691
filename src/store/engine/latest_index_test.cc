#include "store/engine/latest_index.h"

#include <gtest/gtest.h>

#include <thread>

namespace metrify::engine {
namespace {

HeadSample At(int64_t ts, double v) {
  HeadSample s;
  s.timestamp_ms = ts;
  s.present = 1;
  s.values[0] = v;
  return s;
}

TEST(LatestIndex, KeepsTheNewestSamplePerSeriesAndKind) {
  LatestIndex index;
  const SeriesKey meter{model::SeriesKind::kReading, 7};
  EXPECT_FALSE(index.Get(meter).has_value());
  index.Offer(meter, At(2000, 2));
  index.Offer(meter, At(1000, 1));  // late data does not replace the newest
  EXPECT_EQ(index.Get(meter)->values[0], 2);
  index.Offer(meter, At(2000, 3));  // a revision of the newest does
  EXPECT_EQ(index.Get(meter)->values[0], 3);
  EXPECT_FALSE(index.Get(SeriesKey{model::SeriesKind::kGridStatus, 7}).has_value());
  EXPECT_FALSE(index.Get(SeriesKey{model::SeriesKind::kReading, 8}).has_value());
}

TEST(LatestIndex, TakesAnyKeyUpToTheLargest) {
  LatestIndex index;
  for (uint32_t key : {0u, 1u, 4095u, 4096u, 100'000u, 4'294'967'295u}) {
    index.Offer(SeriesKey{model::SeriesKind::kObservation, key}, At(key, key));
  }
  for (uint32_t key : {0u, 1u, 4095u, 4096u, 100'000u, 4'294'967'295u}) {
    auto got = index.Get(SeriesKey{model::SeriesKind::kObservation, key});
    ASSERT_TRUE(got.has_value()) << key;
    EXPECT_EQ(got->values[0], key);
  }
  EXPECT_FALSE(index.Get(SeriesKey{model::SeriesKind::kObservation, 4097}).has_value());
}

TEST(LatestIndex, ConcurrentOffersKeepTheNewest) {
  LatestIndex index;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const uint32_t key = static_cast<uint32_t>(i % 5000);
        index.Offer(SeriesKey{model::SeriesKind::kReading, key}, At(i * 4 + t, i * 4 + t));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (uint32_t key = 0; key < 5000; ++key) {
    // The newest offered for `key` is from i = 15000 + key, thread 3.
    EXPECT_EQ(index.Get(SeriesKey{model::SeriesKind::kReading, key})->timestamp_ms,
              (15000 + key) * 4 + 3);
  }
}

}  // namespace
}  // namespace metrify::engine
