// The shared latest-reading cache (cache/redis_latest_cache.h) against a
// real Redis 7: samples round-trip bit for bit, a meter only moves forward
// (also under concurrent writers on two instances), large batches are split,
// values of another encoding version are compared yet read as misses, and a
// malformed value is reported.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "cache/latest_sample_codec.h"
#include "cache/redis_client.h"
#include "cache/redis_latest_cache.h"
#include "support/redis_server.h"

namespace metrify::cache {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'736'726'400'000;  // 2025-01-13T00:00:00Z
constexpr int64_t kQuarterHour = 900'000;

std::unique_ptr<RedisClient> NewClient(const std::string& url) {
  auto client = RedisClient::Create({.url = url});
  EXPECT_TRUE(client.has_value()) << client.error().message();
  return client.has_value() ? std::move(client).value() : nullptr;
}

// A reading whose kWh names its own timestamp step and revision, so a held
// sample can be checked for consistency.
engine::HeadSample Reading(int64_t step, uint16_t revision = 0) {
  engine::HeadSample sample;
  sample.timestamp_ms = kT0 + step * kQuarterHour;
  sample.interval_s = 900;
  sample.revision = revision;
  sample.present = 0b101;
  sample.values[0] = static_cast<double>(step) + revision / 10.0;
  sample.values[2] = 230.5;
  return sample;
}

class RedisLatestCacheTest : public ::testing::Test {
 protected:
  RedisLatestCacheTest()
      : redis_a_(NewClient(server_.url())),
        redis_b_(NewClient(server_.url())),
        instance_a_(*redis_a_),
        instance_b_(*redis_b_) {}

  std::optional<engine::HeadSample> Held(LatestCache& cache, uint32_t meter) {
    auto held = cache.GetMany(std::span(&meter, 1));
    EXPECT_TRUE(held.has_value()) << held.error().message();
    return held.has_value() ? (*held)[0] : std::nullopt;
  }

  test::RedisServer server_;
  std::unique_ptr<RedisClient> redis_a_;
  std::unique_ptr<RedisClient> redis_b_;
  RedisLatestCache instance_a_;
  RedisLatestCache instance_b_;
};

TEST_F(RedisLatestCacheTest, SamplesRoundTripBitForBit) {
  engine::HeadSample odd = Reading(1);
  odd.present = 0b1111'1111'1111;
  for (int i = 0; i < model::kMaxSeriesFields; ++i) odd.values[i] = std::nextafter(i * 0.1, 1e9);
  odd.values[3] = -0.0;
  odd.values[4] = std::numeric_limits<double>::quiet_NaN();
  odd.values[5] = std::numeric_limits<double>::denorm_min();
  ASSERT_TRUE(*instance_a_.Put(4'000'000'000u, odd));
  ASSERT_TRUE(*instance_a_.Put(2, Reading(5)));

  std::vector<uint32_t> keys{4'000'000'000u, 3, 2};
  auto held = instance_b_.GetMany(keys);
  ASSERT_TRUE(held.has_value()) << held.error().message();
  ASSERT_EQ(held->size(), 3u);
  ASSERT_TRUE((*held)[0]);
  EXPECT_EQ((*held)[0]->timestamp_ms, odd.timestamp_ms);
  EXPECT_EQ((*held)[0]->interval_s, 900);
  EXPECT_TRUE((*held)[0]->SameData(odd));
  EXPECT_EQ(std::bit_cast<uint64_t>((*held)[0]->values[4]), std::bit_cast<uint64_t>(odd.values[4]));
  EXPECT_FALSE((*held)[1]);
  EXPECT_TRUE((*held)[2]->SameData(Reading(5)));
  EXPECT_EQ(redis_a_->Command({"HLEN", "metrify:latest"})->integer, 2);
  EXPECT_TRUE(instance_a_.GetMany({})->empty());
}

TEST_F(RedisLatestCacheTest, OnlyMovesForward) {
  EXPECT_TRUE(*instance_a_.Put(7, Reading(10)));
  EXPECT_FALSE(*instance_b_.Put(7, Reading(9, 3)));  // late
  EXPECT_FALSE(*instance_b_.Put(7, Reading(10)));    // redelivered
  EXPECT_TRUE(*instance_b_.Put(7, Reading(10, 1)));  // corrected
  EXPECT_FALSE(*instance_a_.Put(7, Reading(10, 0)));
  EXPECT_TRUE(*instance_a_.Put(7, Reading(11)));
  EXPECT_TRUE(Held(instance_b_, 7)->SameData(Reading(11)));
}

TEST_F(RedisLatestCacheTest, NeverGoesBackwardsUnderConcurrentPutsFromTwoInstances) {
  constexpr uint32_t kMeters = 16;
  constexpr int kSteps = 150;
  // Every writer offers every (meter, step) once, with its own revision and
  // in its own order; the newest offer of each meter must win.
  struct Offer {
    uint32_t meter;
    int64_t step;
    uint16_t revision;
  };
  std::vector<std::vector<Offer>> plans(4);
  std::map<uint32_t, std::pair<int64_t, uint16_t>> newest;
  for (size_t w = 0; w < plans.size(); ++w) {
    std::mt19937 random(static_cast<unsigned>(w + 1));
    for (uint32_t meter = 0; meter < kMeters; ++meter) {
      for (int64_t step = 0; step < kSteps; ++step) {
        const auto revision = static_cast<uint16_t>(random() % 3);
        plans[w].push_back({meter, step, revision});
        newest[meter] = std::max(newest[meter], std::pair{step, revision});
      }
    }
    std::shuffle(plans[w].begin(), plans[w].end(), random);
  }

  std::atomic<bool> writing{true};
  std::atomic<int> errors{0};
  std::atomic<int> backwards{0};
  std::thread reader([&] {
    std::vector<uint32_t> keys(kMeters);
    for (uint32_t m = 0; m < kMeters; ++m) keys[m] = m;
    std::vector<std::pair<int64_t, uint16_t>> seen(kMeters, {-1, 0});
    do {
      auto held = instance_a_.GetMany(keys);
      if (!held.has_value()) {
        ++errors;
        continue;
      }
      for (uint32_t m = 0; m < kMeters; ++m) {
        if (!(*held)[m]) continue;
        std::pair now{((*held)[m]->timestamp_ms - kT0) / kQuarterHour, (*held)[m]->revision};
        if (now < seen[m]) ++backwards;
        if (!(*held)[m]->SameData(Reading(now.first, now.second))) ++errors;
        seen[m] = now;
      }
    } while (writing);
  });
  std::vector<std::thread> writers;
  for (size_t w = 0; w < plans.size(); ++w) {
    writers.emplace_back([&, w] {
      LatestCache& cache = w % 2 == 0 ? static_cast<LatestCache&>(instance_a_) : instance_b_;
      const std::vector<Offer>& plan = plans[w];
      for (size_t at = 0; at < plan.size(); at += 8) {
        std::vector<LatestEntry> batch;
        for (size_t i = at; i < std::min(at + 8, plan.size()); ++i) {
          batch.push_back({plan[i].meter, Reading(plan[i].step, plan[i].revision)});
        }
        if (!cache.PutMany(batch).has_value()) ++errors;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  writing = false;
  reader.join();

  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(backwards.load(), 0);
  for (uint32_t meter = 0; meter < kMeters; ++meter) {
    std::optional<engine::HeadSample> held = Held(instance_b_, meter);
    ASSERT_TRUE(held) << meter;
    EXPECT_TRUE(held->SameData(Reading(newest[meter].first, newest[meter].second))) << meter;
    EXPECT_EQ(held->revision, newest[meter].second) << meter;
  }
}

TEST_F(RedisLatestCacheTest, LargeBatchesAreSplitAndAllStored) {
  std::vector<LatestEntry> entries;
  for (uint32_t meter = 0; meter < 1234; ++meter) entries.push_back({meter, Reading(meter % 7)});
  Result<size_t> stored = instance_a_.PutMany(entries);
  ASSERT_TRUE(stored.has_value()) << stored.error().message();
  EXPECT_EQ(*stored, 1234u);
  EXPECT_EQ(*instance_b_.PutMany(entries), 0u);  // all already held
  EXPECT_EQ(redis_a_->Command({"HLEN", "metrify:latest"})->integer, 1234);
}

TEST_F(RedisLatestCacheTest, EraseForgetsAMeterAndHashKeysKeepCachesApart) {
  RedisLatestCache weather(*redis_a_, "metrify:latest:weather");
  ASSERT_TRUE(*instance_a_.Put(1, Reading(3)));
  ASSERT_TRUE(*weather.Put(1, Reading(1)));
  ASSERT_TRUE(instance_b_.Erase(1).ok());
  EXPECT_FALSE(Held(instance_a_, 1));
  EXPECT_TRUE(Held(weather, 1)->SameData(Reading(1)));
  EXPECT_TRUE(*instance_a_.Put(1, Reading(2)));  // forgotten: an older sample is accepted
}

TEST_F(RedisLatestCacheTest, OtherVersionsAreComparedButReadAsMisses) {
  std::string future = EncodeLatestSample(Reading(20));
  future[0] = '\x02';  // a later format keeps the timestamp and revision in place
  ASSERT_TRUE(redis_a_->Command({"HSET", "metrify:latest", "5", future}).has_value());
  EXPECT_FALSE(Held(instance_a_, 5));
  EXPECT_FALSE(*instance_a_.Put(5, Reading(19)));  // older than the held sample
  EXPECT_TRUE(*instance_a_.Put(5, Reading(21)));
  EXPECT_TRUE(Held(instance_a_, 5)->SameData(Reading(21)));
}

TEST_F(RedisLatestCacheTest, MalformedValueIsCorruptionNamingTheMeter) {
  ASSERT_TRUE(redis_a_->Command({"HSET", "metrify:latest", "9", "\x01short"}).has_value());
  std::vector<uint32_t> keys{9};
  auto held = instance_a_.GetMany(keys);
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().code(), StatusCode::kCorruption);
  EXPECT_THAT(held.error().message(), HasSubstr("metrify:latest field 9"));
  EXPECT_TRUE(*instance_a_.Put(9, Reading(0)));  // too short to compare: replaced
}

TEST_F(RedisLatestCacheTest, UnavailableWhileRedisIsDown) {
  ASSERT_EQ(server_.Stop(), 0);
  EXPECT_EQ(instance_a_.Put(1, Reading(1)).error().code(), StatusCode::kUnavailable);
  std::vector<uint32_t> keys{1};
  EXPECT_EQ(instance_b_.GetMany(keys).error().code(), StatusCode::kUnavailable);
  server_.Start();
  EXPECT_TRUE(*instance_a_.Put(1, Reading(1)));
}

}  // namespace
}  // namespace metrify::cache
