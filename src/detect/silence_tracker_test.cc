#include "detect/silence_tracker.h"

#include <gtest/gtest.h>

namespace metrify::detect {
namespace {

using alerts::SourceKind;
constexpr int64_t kHour = 3'600'000;

class SilenceTrackerTest : public ::testing::Test {
 protected:
  std::vector<SilenceVerdict> Sweep(int64_t now) {
    std::vector<SilenceVerdict> out;
    tracker_.Sweep(
        now, rules_, [](SourceKind, uint32_t key) { return "id" + std::to_string(key); }, &out);
    return out;
  }
  SilenceTracker tracker_;
  NoDataRules rules_ = LoadDetectRules()->no_data;
};

TEST_F(SilenceTrackerTest, ReportsOnceAfterTheLimitThenClearsOnData) {
  tracker_.Seen(SourceKind::kMeter, 7, 0);
  EXPECT_TRUE(Sweep(4 * kHour).empty());  // exactly the limit: not yet
  std::vector<SilenceVerdict> v = Sweep(5 * kHour);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_TRUE(v[0].finding);
  EXPECT_EQ(v[0].key, 7u);
  EXPECT_EQ(v[0].finding->rule, "no_data");
  EXPECT_EQ(v[0].finding->source_id, "id7");
  EXPECT_DOUBLE_EQ(v[0].finding->value, 5);
  EXPECT_EQ(v[0].finding->message, "no data for 5 h (limit 4 h); the last at 1970-01-01T00:00:00Z");
  EXPECT_TRUE(Sweep(6 * kHour).empty());  // reported once
  tracker_.Seen(SourceKind::kMeter, 7, 6 * kHour);
  v = Sweep(6 * kHour);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].finding);  // clear
  EXPECT_TRUE(Sweep(7 * kHour).empty());
}

TEST_F(SilenceTrackerTest, LimitsPerKind) {
  tracker_.Seen(SourceKind::kGridOperator, 1, 0);
  tracker_.Seen(SourceKind::kWeatherStation, 1, 0);
  tracker_.Seen(SourceKind::kMeter, 1, 0);
  std::vector<SilenceVerdict> v = Sweep(kHour);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, SourceKind::kGridOperator);
  v = Sweep(3 * kHour + 1);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, SourceKind::kWeatherStation);
}

TEST_F(SilenceTrackerTest, OlderDataDoesNotMoveTheClockBack) {
  tracker_.Seen(SourceKind::kMeter, 3, 10 * kHour);
  tracker_.Seen(SourceKind::kMeter, 3, 2 * kHour);
  EXPECT_EQ(tracker_.LastSeen(SourceKind::kMeter, 3), 10 * kHour);
  EXPECT_EQ(tracker_.LastSeen(SourceKind::kMeter, 2), std::nullopt);
  EXPECT_TRUE(Sweep(13 * kHour).empty());
}

TEST_F(SilenceTrackerTest, DisablingClearsReportedSources) {
  tracker_.Seen(SourceKind::kMeter, 1, 0);
  ASSERT_EQ(Sweep(5 * kHour).size(), 1u);
  rules_.enabled = false;
  std::vector<SilenceVerdict> v = Sweep(6 * kHour);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].finding);
  EXPECT_TRUE(Sweep(10 * kHour).empty());
}

TEST_F(SilenceTrackerTest, ForgottenSourcesAreNotReported) {
  tracker_.Seen(SourceKind::kMeter, 1, 0);
  tracker_.Forget(SourceKind::kMeter, 1);
  EXPECT_TRUE(Sweep(10 * kHour).empty());
}

}  // namespace
}  // namespace metrify::detect
