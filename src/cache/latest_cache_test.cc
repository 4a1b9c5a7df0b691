#include "cache/latest_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace metrify::cache {
namespace {

engine::HeadSample At(int64_t timestamp_ms, uint16_t revision = 0, double kwh = 1.0) {
  engine::HeadSample sample;
  sample.timestamp_ms = timestamp_ms;
  sample.revision = revision;
  sample.interval_s = 900;
  sample.present = 1;
  sample.values[0] = kwh;
  return sample;
}

TEST(IsNewerSampleTest, OrdersByTimestampThenRevision) {
  EXPECT_TRUE(IsNewerSample(At(2000), At(1000, 5)));
  EXPECT_TRUE(IsNewerSample(At(1000, 1), At(1000, 0)));
  EXPECT_FALSE(IsNewerSample(At(1000, 0), At(1000, 0)));
  EXPECT_FALSE(IsNewerSample(At(999, 9), At(1000, 0)));
}

TEST(LocalLatestCacheTest, OnlyMovesForward) {
  LocalLatestCache cache;
  EXPECT_TRUE(*cache.Put(7, At(2000)));
  EXPECT_FALSE(*cache.Put(7, At(1000)));       // late sample
  EXPECT_FALSE(*cache.Put(7, At(2000)));       // retry
  EXPECT_TRUE(*cache.Put(7, At(2000, 1, 2)));  // correction of the same interval
  std::vector<uint32_t> keys{7, 8};
  auto held = *cache.GetMany(keys);
  ASSERT_EQ(held.size(), 2u);
  ASSERT_TRUE(held[0]);
  EXPECT_EQ(held[0]->revision, 1);
  EXPECT_EQ(held[0]->values[0], 2.0);
  EXPECT_FALSE(held[1]);
}

TEST(LocalLatestCacheTest, PutManyCountsStoredEntriesAndEraseForgets) {
  LocalLatestCache cache;
  std::vector<LatestEntry> entries{{1, At(100)}, {2, At(100)}, {1, At(50)}, {1, At(200)}};
  EXPECT_EQ(*cache.PutMany(entries), 3u);
  ASSERT_TRUE(cache.Erase(1).ok());
  std::vector<uint32_t> keys{1, 2};
  auto held = *cache.GetMany(keys);
  EXPECT_FALSE(held[0]);
  EXPECT_EQ(held[1]->timestamp_ms, 100);
}

TEST(LocalLatestCacheTest, ConcurrentWritersLeaveTheNewest) {
  LocalLatestCache cache;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 1000; ++i) (void)cache.Put(1, At(i * 4 + t));
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<uint32_t> keys{1};
  EXPECT_EQ((*cache.GetMany(keys))[0]->timestamp_ms, 3999);
}

}  // namespace
}  // namespace metrify::cache
