#include "vee/meter_history.h"

#include <gtest/gtest.h>

#include "store/engine/engine_test_support.h"
#include "store/engine/wal/wal_test_support.h"
#include "vee/overlay.h"

namespace metrify::vee {
namespace {

using engine::wal::WalSample;
using engine::wal::test_support::TempDir;

constexpr int64_t kQ = 900'000;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr uint32_t kMeter = 9;

TEST(MeterHistoryTest, OlderMeasuredValuesComeFromTheEngineAndNewerFromTheWindow) {
  TempDir dir;
  auto opened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir.path(),
                                             engine::test_support::ManualFlushOptions());
  ASSERT_TRUE(opened.has_value());
  std::unique_ptr<engine::ReadingsEngine> engine = std::move(opened).value();
  std::vector<WalSample> older;
  for (int i = 1; i <= 4; ++i) {
    WalSample s;
    s.entity_key = kMeter;
    s.timestamp_ms = kT0 + i * kQ;
    s.interval_s = 900;
    s.values[0] = 0.1 * i;
    s.present = 1;
    older.push_back(s);
  }
  ASSERT_TRUE(engine->Append(model::SeriesKind::kReading, older).has_value());
  ValidatedInterval spike;  // the third was refused and estimated
  spike.end_ms = kT0 + 3 * kQ;
  spike.status = ValueStatus::kEstimated;
  spike.rule = RuleId::kLinear;
  spike.energy_kwh = 0.25;
  std::vector<WalSample> overlay = {ToOverlay(kMeter, 900, spike, 0.3)};
  ASSERT_TRUE(engine->Append(model::SeriesKind::kVeeOverlay, overlay).has_value());

  RawReading now;
  now.timestamp_ms = kT0 + kDay + kQ;
  now.interval_s = 900;
  now.values[0] = 0.7;
  now.present = 1;
  std::vector<RawReading> window = {now};
  MeterHistory history(*engine, kMeter, kT0 + kDay, window, 7 * kDay);
  EXPECT_DOUBLE_EQ(*history.At(kT0 + 2 * kQ), 0.2);
  EXPECT_FALSE(history.At(kT0 + 3 * kQ)) << "refused and estimated: not what it measured";
  EXPECT_FALSE(history.At(kT0 + 5 * kQ)) << "nothing came";
  EXPECT_DOUBLE_EQ(*history.At(kT0 + kDay + kQ), 0.7);
  EXPECT_FALSE(history.At(kT0 + kDay + 2 * kQ));
}

}  // namespace
}  // namespace metrify::vee
