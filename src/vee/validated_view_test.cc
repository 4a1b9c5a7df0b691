#include "vee/validated_view.h"

#include <gtest/gtest.h>

#include <cmath>

#include "store/engine/engine_test_support.h"
#include "store/engine/wal/wal_test_support.h"
#include "vee/overlay.h"

namespace metrify::vee {
namespace {

using engine::wal::WalSample;
using engine::wal::test_support::TempDir;

constexpr int64_t kQ = 900'000;
constexpr int64_t kT0 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr uint32_t kMeter = 3;
constexpr auto kReading = model::SeriesKind::kReading;
constexpr auto kOverlay = model::SeriesKind::kVeeOverlay;
constexpr int kEnergy = 0, kRegister = 2, kVoltage = 3;

WalSample Reading(int64_t t, double kwh, std::optional<double> volts = std::nullopt) {
  WalSample s;
  s.entity_key = kMeter;
  s.timestamp_ms = t;
  s.interval_s = 900;
  s.values[kEnergy] = kwh;
  s.present = 1u << kEnergy;
  if (volts) {
    s.values[kVoltage] = *volts;
    s.present |= 1u << kVoltage;
  }
  return s;
}

class ValidatedViewTest : public ::testing::Test {
 protected:
  ValidatedViewTest() {
    auto opened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir_.path(),
                                               engine::test_support::ManualFlushOptions());
    EXPECT_TRUE(opened.has_value());
    engine_ = std::move(*opened);
    options_.now_ms = kT0 + 86'400'000;
  }

  void Raw(std::vector<WalSample> samples) {
    ASSERT_TRUE(engine_->Append(kReading, samples).has_value());
  }
  void Overlay(const ValidatedInterval& row, double raw_energy) {
    std::vector<WalSample> s = {ToOverlay(kMeter, 900, row, raw_energy)};
    ASSERT_TRUE(engine_->Append(kOverlay, s).has_value());
  }
  std::vector<ValidatedPoint> Read(int64_t start, int64_t end) {
    std::vector<ValidatedPoint> out;
    Status s = ReadValidated(*engine_, kMeter, meter_, start, end, options_, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  TempDir dir_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
  MeterInfo meter_;
  ValidatedReadOptions options_;
};

TEST_F(ValidatedViewTest, RawReadingsWithoutOverlayAreMeasuredAndCleanOnes) {
  Raw({Reading(kT0 + kQ, 0.2, 230), Reading(kT0 + 2 * kQ, 0.3, 231)});
  const auto points = Read(kT0, kT0 + 2 * kQ + 1);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].row.status, ValueStatus::kMeasured);
  EXPECT_EQ(points[0].row.rule, RuleId::kNone);
  EXPECT_DOUBLE_EQ(points[1].point.values[kEnergy], 0.3);
  EXPECT_DOUBLE_EQ(points[1].point.values[kVoltage], 231);
  EXPECT_DOUBLE_EQ(points[1].row.quality, 1.0);
}

TEST_F(ValidatedViewTest, AGapInsideTheDataIsMissingUntilNowButNotBeforeTheFirstReading) {
  Raw({Reading(kT0 + 2 * kQ, 0.2), Reading(kT0 + 5 * kQ, 0.2)});
  options_.now_ms = kT0 + 7 * kQ;
  // Nothing before the first reading (2), MISSING 3, 4, 6, 7; nothing after now.
  const auto points = Read(kT0, kT0 + 10 * kQ);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].point.timestamp_ms, kT0 + 2 * kQ);
  EXPECT_EQ(points[1].row.status, ValueStatus::kMissing);
  EXPECT_EQ(points[1].row.rule, RuleId::kGap);
  EXPECT_EQ(points[1].point.present & (1u << kEnergy), 0u);
  EXPECT_EQ(points[1].row.quality, 0);
  EXPECT_EQ(points[5].point.timestamp_ms, kT0 + 7 * kQ);
  EXPECT_EQ(points[5].row.status, ValueStatus::kMissing);
  // With an installation date, the intervals before the first reading count too.
  options_.missing_from_ms = kT0;
  EXPECT_EQ(Read(kT0, kT0 + 10 * kQ).size(), 8u);  // 00:00 to 01:45 (now)
}

TEST_F(ValidatedViewTest, OverlayRowsDecideEstimatesInvalidValuesAndLeftOutFields) {
  Raw({Reading(kT0 + kQ, 0.2, 412), Reading(kT0 + 2 * kQ, 9.0, 230), Reading(kT0 + 3 * kQ, 0.2)});
  ValidatedInterval volts;
  volts.end_ms = kT0 + kQ;
  volts.energy_kwh = 0.2;
  volts.status = ValueStatus::kMeasured;
  volts.rule = RuleId::kRange;
  volts.fired = 1u << static_cast<int>(RuleId::kRange);
  volts.invalid_fields = 1u << kVoltage;
  Overlay(volts, 0.2);
  ValidatedInterval spike;
  spike.end_ms = kT0 + 2 * kQ;
  spike.energy_kwh = 0.2;
  spike.status = ValueStatus::kEstimated;
  spike.rule = RuleId::kLinear;
  spike.fired = 1u << static_cast<int>(RuleId::kSpike);
  Overlay(spike, 9.0);
  const auto points = Read(kT0, kT0 + 3 * kQ + 1);
  ASSERT_EQ(points.size(), 3u);
  // 412 V is left out; the energy stands.
  EXPECT_EQ(points[0].point.present & (1u << kVoltage), 0u);
  EXPECT_DOUBLE_EQ(points[0].point.values[kEnergy], 0.2);
  EXPECT_EQ(points[0].row.rule, RuleId::kRange);
  EXPECT_LT(points[0].row.quality, 1.0);
  // The spike shows the estimate, not the 9 kWh the meter sent.
  EXPECT_EQ(points[1].row.status, ValueStatus::kEstimated);
  EXPECT_DOUBLE_EQ(points[1].point.values[kEnergy], 0.2);
  EXPECT_NEAR(points[1].row.quality, 0.36, 1e-9);  // linear: 0.3 x 0.5 + 0.3 x 0.7
}

TEST_F(ValidatedViewTest, InvalidAndMissingOverlayRowsCarryNoEnergy) {
  Raw({Reading(kT0 + kQ, -1.0)});
  ValidatedInterval bad;
  bad.end_ms = kT0 + kQ;
  bad.status = ValueStatus::kInvalid;
  bad.rule = RuleId::kNegativeEnergy;
  Overlay(bad, -1.0);
  const auto points = Read(kT0, kT0 + kQ + 1);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].row.status, ValueStatus::kInvalid);
  EXPECT_EQ(points[0].point.present & (1u << kEnergy), 0u);
  EXPECT_FALSE(CountsInRollups(points[0].row.status));
}

TEST_F(ValidatedViewTest, AnOffGridReadingShowsAtTheNearestGridEnd) {
  Raw({Reading(kT0 + kQ + 20'000, 0.25)});  // 20 s late
  const auto points = Read(kT0, kT0 + 2 * kQ);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].point.timestamp_ms, kT0 + kQ);
  EXPECT_DOUBLE_EQ(points[0].point.values[kEnergy], 0.25);
}

TEST_F(ValidatedViewTest, AnEditStandsAboveRawAndOverlayAndFillsAGap) {
  Raw({Reading(kT0 + kQ, 0.2), Reading(kT0 + 3 * kQ, 0.2)});
  std::map<int64_t, Edit> edits = {{kT0 + kQ, Edit{0.5, NAN}}, {kT0 + 2 * kQ, Edit{0.4, 1000}}};
  options_.edits = &edits;
  const auto points = Read(kT0, kT0 + 3 * kQ + 1);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].row.status, ValueStatus::kEdited);
  EXPECT_EQ(points[0].row.rule, RuleId::kManualEdit);
  EXPECT_DOUBLE_EQ(points[0].point.values[kEnergy], 0.5);
  EXPECT_EQ(points[1].row.status, ValueStatus::kEdited);
  EXPECT_DOUBLE_EQ(points[1].point.values[kRegister], 1000);
  EXPECT_NEAR(points[1].row.quality, 0.97, 1e-9);
  EXPECT_EQ(points[2].row.status, ValueStatus::kMeasured);
}

}  // namespace
}  // namespace metrify::vee
