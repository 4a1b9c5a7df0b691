#include "detect/detection_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_store.h"
#include "common/time.h"
#include "store/engine/wal/wal_test_support.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::detect {
namespace {

using alerts::Alert;
using alerts::AlertState;
using alerts::SourceKind;
using engine::wal::WalSample;
using engine::wal::test_support::TempDir;
using model::SeriesKind;

constexpr int64_t kT0 = 1'741'564'800'000;  // 2025-03-10T00:00:00Z
constexpr int64_t kQ = 900'000;

// A registry with one grid operator OP1 and meters M1, M2 in its area, and
// the service with the shipped rules in front of a real alert store.
class DetectionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteRegistry::Open(dir_.path());
    ASSERT_TRUE(opened.has_value());
    registry_store_ = std::move(opened).value();
    registry_ = std::make_unique<registry::Registry>(*registry_store_);
    ASSERT_TRUE(registry_->Create<model::GridOperator>(
        {{"id", std::string("OP1")}, {"name", std::string("OP1")}}));
    for (const char* id : {"M1", "M2"}) {
      auto created = registry_->Create<model::Meter>({{"id", std::string(id)},
                                                      {"timezone", std::string("UTC")},
                                                      {"grid_operator_id", std::string("OP1")}});
      ASSERT_TRUE(created.has_value()) << created.error().ToString();
    }
    keys_ = std::make_unique<ingest::EntityKeys>(*registry_store_);
    ASSERT_TRUE(keys_->Load().ok());
    auto store = alerts::AlertStore::Open(registry_store_->path());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(store).value();
    Result<DetectRules> rules = LoadDetectRules();
    ASSERT_TRUE(rules.has_value());
    alerts::AlertManagerOptions manager;
    manager.clear_for_ms = [auto_resolve = rules->auto_resolve](std::string_view type) {
      return auto_resolve.ForType(type);
    };
    manager_ = std::make_unique<alerts::AlertManager>(*store_, registry_.get(), nullptr, manager);
    DetectionService::Options options;
    options.rules = *rules;
    options.sweep_every = std::chrono::hours(1);  // Drain sweeps
    service_ = std::make_unique<DetectionService>(*keys_, *registry_, *manager_, options);
  }
  void TearDown() override { service_.reset(); }

  uint32_t Key(SeriesKind kind, const std::string& id) {
    Result<std::optional<uint32_t>> key = keys_->Find(kind, id);
    EXPECT_TRUE(key.has_value() && key->has_value()) << id;
    return key.has_value() && key->has_value() ? **key : 0;
  }

  // One quarter hour ending at `t`: a reading of each meter in `meters`
  // and the operator's status with `frequency_hz` and `utilisation_pct`.
  // With `meter_frequency_hz`, the meters measure that frequency too.
  void Quarter(int64_t t, const std::vector<std::string>& meters, double frequency_hz,
               double utilisation_pct, std::optional<double> meter_frequency_hz = std::nullopt) {
    std::vector<WalSample> readings;
    for (const std::string& id : meters) {
      WalSample& s = readings.emplace_back();
      s.entity_key = Key(SeriesKind::kReading, id);
      s.timestamp_ms = t;
      s.interval_s = 900;
      s.present = (1u << 0) | (1u << 3);  // energy_kwh, voltage_v
      s.values[0] = 0.1;
      s.values[3] = 230;
      if (meter_frequency_hz) {
        s.present |= 1u << 6;  // frequency_hz
        s.values[6] = *meter_frequency_hz;
      }
    }
    WalSample grid;
    grid.entity_key = Key(SeriesKind::kGridStatus, "OP1");
    grid.timestamp_ms = t - 60'000;
    grid.present = (1u << 0) | (1u << 2) | (1u << 5);  // frequency, load, available
    grid.values[0] = frequency_hz;
    grid.values[2] = utilisation_pct;
    grid.values[5] = 100 - utilisation_pct;
    service_->Observe(SeriesKind::kReading, readings);
    service_->Observe(SeriesKind::kGridStatus, std::span<const WalSample>(&grid, 1));
    service_->Drain();
  }

  // Open alerts as "source_id/rule", sorted.
  std::vector<std::string> Open() {
    auto page = store_->List({.page_size = 1000});
    EXPECT_TRUE(page.has_value());
    std::vector<std::string> out;
    if (!page) return out;
    for (const Alert& a : page->items) {
      if (a.state != AlertState::kResolved) out.push_back(a.source_id + "/" + a.rule);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<store::SqliteRegistry> registry_store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<ingest::EntityKeys> keys_;
  std::unique_ptr<alerts::AlertStore> store_;
  std::unique_ptr<alerts::AlertManager> manager_;
  std::unique_ptr<DetectionService> service_;
};

TEST_F(DetectionServiceTest, MeterSilentDuringAGridDisturbanceIsCountedOnTheOperator) {
  Quarter(kT0 + kQ, {"M1", "M2"}, 48.9, 50);  // frequency_out (critical below 49)
  for (int q = 2; q <= 20; ++q) Quarter(kT0 + q * kQ, {"M2"}, 48.9, 50);
  EXPECT_EQ(Open(), (std::vector<std::string>{"OP1/area_outage", "OP1/frequency_out"}));
}

// Every meter of the area measures the same grid frequency: while the
// operator's frequency_out is open, theirs would be one alert per house for
// one event.
TEST_F(DetectionServiceTest, MeterFrequencyOutDuringTheOperatorsOwnIsLeftToIt) {
  Quarter(kT0 + kQ, {"M1", "M2"}, 49.3, 50, 50.0);  // the operator reports it first
  Quarter(kT0 + 2 * kQ, {"M1", "M2"}, 49.3, 50, 49.3);
  Quarter(kT0 + 3 * kQ, {"M1", "M2"}, 49.3, 50, 49.3);
  EXPECT_EQ(Open(), (std::vector<std::string>{"OP1/frequency_out"}));
  EXPECT_EQ(service_->stats().attributed, 4u);
}

// A sender may deliver the meters' quarter hour before the operator's
// status of it: the meters' findings wait for it.
TEST_F(DetectionServiceTest, MeterFrequencyOutWaitsForTheOperatorsStatusOfThatTime) {
  Quarter(kT0 + kQ, {"M1", "M2"}, 50.0, 50, 50.0);
  std::vector<WalSample> readings;
  for (const char* id : {"M1", "M2"}) {
    WalSample& s = readings.emplace_back();
    s.entity_key = Key(SeriesKind::kReading, id);
    s.timestamp_ms = kT0 + 2 * kQ;
    s.interval_s = 900;
    s.present = 1u << 6;  // frequency_hz
    s.values[6] = 49.3;
  }
  service_->Observe(SeriesKind::kReading, readings);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a report goes by
  WalSample grid;
  grid.entity_key = Key(SeriesKind::kGridStatus, "OP1");
  grid.timestamp_ms = kT0 + 2 * kQ;
  grid.present = 1u << 0;
  grid.values[0] = 49.3;
  service_->Observe(SeriesKind::kGridStatus, std::span<const WalSample>(&grid, 1));
  service_->Drain();
  EXPECT_EQ(Open(), (std::vector<std::string>{"OP1/frequency_out"}));
  EXPECT_EQ(service_->stats().attributed, 2u);
}

// A meter out of band while its operator reports a normal grid measures
// something local (or badly): that is its own alert.
TEST_F(DetectionServiceTest, MeterFrequencyOutOnANormalGridIsTheMetersAlert) {
  Quarter(kT0 + kQ, {"M1", "M2"}, 50.0, 50, 50.0);
  Quarter(kT0 + 2 * kQ, {"M1", "M2"}, 50.0, 50, 49.3);
  EXPECT_EQ(Open(), (std::vector<std::string>{"M1/frequency_out", "M2/frequency_out"}));
  EXPECT_EQ(service_->stats().attributed, 0u);
}

// Busy evening grids keep utilisation_high (or stability_low) open for
// hours: a meter that dies then is the meter's fault, not an outage.
TEST_F(DetectionServiceTest, MeterSilentWhileItsOperatorIsOnlyBusyGetsItsOwnAlert) {
  Quarter(kT0 + kQ, {"M1", "M2"}, 50, 95);  // utilisation_high
  for (int q = 2; q <= 20; ++q) Quarter(kT0 + q * kQ, {"M2"}, 50, 95);
  EXPECT_EQ(Open(), (std::vector<std::string>{"M1/no_data", "OP1/utilisation_high"}));
}

// area_outage is never cleared: it must not keep the operator "disturbed",
// or every later silent meter of the area would be counted on it for good.
TEST_F(DetectionServiceTest, AnAreaOutageDoesNotSwallowLaterSilentMeters) {
  int q = 1;
  Quarter(kT0 + q * kQ, {"M1", "M2"}, 48.9, 50);
  for (++q; q <= 20; ++q) Quarter(kT0 + q * kQ, {"M2"}, 48.9, 50);
  ASSERT_EQ(Open(), (std::vector<std::string>{"OP1/area_outage", "OP1/frequency_out"}));
  // The grid recovers; frequency_out resolves after an hour clear.
  for (; q <= 40; ++q) Quarter(kT0 + q * kQ, {"M2"}, 50, 50);
  ASSERT_EQ(Open(), (std::vector<std::string>{"OP1/area_outage"}));
  // Now M2 dies too, on a calm grid.
  for (; q <= 60; ++q) Quarter(kT0 + q * kQ, {}, 50, 50);
  EXPECT_EQ(Open(), (std::vector<std::string>{"M2/no_data", "OP1/area_outage"}));
}

// One meter stamping its data a day ahead must not make the others look
// silent: data past the wall clock does not move the silence front.
TEST_F(DetectionServiceTest, AMeterWithAClockAheadDoesNotSilenceTheFleet) {
  for (int q = 1; q <= 4; ++q) Quarter(kT0 + q * kQ, {"M1", "M2"}, 50, 50);
  WalSample ahead;
  ahead.entity_key = Key(SeriesKind::kReading, "M1");
  ahead.timestamp_ms = NowMillis() + 24 * 3'600'000;
  ahead.interval_s = 900;
  ahead.present = 1u;
  ahead.values[0] = 0.1;
  service_->Observe(SeriesKind::kReading, std::span<const WalSample>(&ahead, 1));
  service_->Drain();
  EXPECT_EQ(Open(), std::vector<std::string>{});
  // Data in the past moves it as before: M2 falls silent for 5 hours.
  for (int q = 5; q <= 25; ++q) Quarter(kT0 + q * kQ, {"M1"}, 50, 50);
  EXPECT_EQ(Open(), std::vector<std::string>{"M2/no_data"});
}

}  // namespace
}  // namespace metrify::detect
