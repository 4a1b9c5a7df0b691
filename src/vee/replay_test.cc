#include "vee/replay.h"

#include <gtest/gtest.h>

#include "store/engine/wal/wal_test_support.h"
#include "vee/overlay.h"

namespace metrify::vee {
namespace {

using engine::wal::WalSample;
using engine::wal::test_support::TempDir;

constexpr int64_t kQ = 900'000;
constexpr int64_t kT0 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr uint32_t kMeter = 5;

std::unique_ptr<engine::ReadingsEngine> Open(const std::string& dir, engine::OpenReport* report) {
  engine::EngineOptions options;
  options.background_flush = false;
  auto opened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir, options, report);
  EXPECT_TRUE(opened.has_value());
  return std::move(opened).value();
}

// Readings acknowledged before a crash that VEE never saw are validated
// once the restarted engine has replayed them.
TEST(ObserveReplayedTest, ReadingsReplayedAfterACrashAreValidated) {
  TempDir dir;
  {
    engine::OpenReport report;
    auto engine = Open(dir.path(), &report);
    EXPECT_TRUE(report.replayed_readings.empty());
    std::vector<WalSample> day;
    for (int i = 1; i <= 40; ++i) {
      if (i == 20) continue;  // a gap VEE would estimate
      WalSample s;
      s.entity_key = kMeter;
      s.timestamp_ms = kT0 + i * kQ;
      s.interval_s = 900;
      s.values[0] = 0.25;
      s.present = 1;
      day.push_back(s);
    }
    ASSERT_TRUE(engine->Append(model::SeriesKind::kReading, day).has_value());
  }  // gone without a flush or VEE: the WAL holds the readings

  engine::OpenReport report;
  auto engine = Open(dir.path(), &report);
  ASSERT_EQ(report.replayed_readings.size(), 1u);
  EXPECT_EQ(report.replayed_readings.at(kMeter), std::make_pair(kT0 + kQ, kT0 + 40 * kQ));
  VeeService vee(
      *engine,
      [](uint32_t key) -> std::optional<MeterInfo> {
        if (key != kMeter) return std::nullopt;
        MeterInfo meter;
        meter.id = "SM5";
        return meter;
      },
      RulesConfig::Defaults(), [] { return kT0 + 10 * int64_t{86'400'000}; });
  EXPECT_EQ(ObserveReplayed(vee, report), 1u);
  vee.Drain();
  std::vector<engine::HeadSample> overlay;
  ASSERT_TRUE(engine
                  ->ReadLatest({model::SeriesKind::kVeeOverlay, kMeter}, kT0 + 20 * kQ,
                               kT0 + 20 * kQ + 1, &overlay)
                  .ok());
  ASSERT_EQ(overlay.size(), 1u);
  const ValidatedInterval row = FromOverlay(overlay[0]);
  EXPECT_EQ(row.status, ValueStatus::kEstimated);
  EXPECT_EQ(row.rule, RuleId::kLinear);
  EXPECT_DOUBLE_EQ(row.energy_kwh, 0.25);
}

}  // namespace
}  // namespace metrify::vee
