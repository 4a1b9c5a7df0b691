// What scaled mode's monitor relies on, against a real PostgreSQL 15: its
// AlertManager follows alerts other processes resolve and open (Resync),
// a clear of an alert a person resolved elsewhere resolves nothing, and of
// two monitors only one leads until the leader's session ends.
#include <gtest/gtest.h>

#include <memory>

#include "alerts/alert_manager.h"
#include "alerts/pg_alert_store.h"
#include "scaled/pg_registry_fixture.h"
#include "store/postgres/pg_pool.h"
#include "worker/monitor_leader.h"

namespace metrify::alerts {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

Finding High(int64_t at_ms) {
  Finding f;
  f.type = "meter_rule";
  f.rule = "voltage_high";
  f.source_id = "SM1";
  f.message = "above 250 V";
  f.at_ms = at_ms;
  return f;
}
Clear ClearAt(int64_t at_ms) { return {SourceKind::kMeter, "SM1", "voltage_high", at_ms}; }

class MonitorAlertManagerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { databases_ = std::make_unique<test::PgDatabases>(); }
  static void TearDownTestSuite() { databases_.reset(); }
  void SetUp() override {
    url_ = databases_->Fresh();
    pool_ = std::make_unique<store::PgPool>(url_);
    auto store = PgAlertStore::Open(*pool_);
    ASSERT_TRUE(store.has_value()) << store.status().message();
    store_ = std::move(store).value();
  }
  // The monitor's manager: meter_rule alerts resolve after an hour clear.
  std::unique_ptr<AlertManager> Manager() {
    AlertManagerOptions options;
    options.clear_for_ms = [](std::string_view) { return std::optional<int64_t>(kHour); };
    options.now = [] { return kNow; };
    return std::make_unique<AlertManager>(*store_, nullptr, nullptr, options);
  }

  static std::unique_ptr<test::PgDatabases> databases_;
  std::string url_;
  std::unique_ptr<store::PgPool> pool_;
  std::unique_ptr<AlertStore> store_;
};
std::unique_ptr<test::PgDatabases> MonitorAlertManagerTest::databases_;

TEST_F(MonitorAlertManagerTest, AnAlertResolvedElsewhereIsDroppedAndItsClearIsHarmless) {
  std::unique_ptr<AlertManager> monitor = Manager();
  std::unique_ptr<AlertManager> api = Manager();  // another process on the same database
  ASSERT_TRUE(monitor->Report(std::vector<Finding>{High(1'000)}, {}).has_value());
  auto listed = store_->OpenAlerts();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  const int64_t id = (*listed)[0].id;
  ASSERT_TRUE(monitor->Report({}, std::vector<Clear>{ClearAt(2'000)}).has_value());

  ASSERT_TRUE(api->Resolve(id, "ops", "replaced the meter").has_value());
  EXPECT_TRUE(monitor->IsOpen(SourceKind::kMeter, "SM1", "voltage_high")) << "not yet followed";
  // Before the resync: the clear past the period finds the alert resolved
  // already; nothing fails and the person's resolution stands.
  auto released = monitor->Report({}, std::vector<Clear>{ClearAt(2'000 + kHour)});
  ASSERT_TRUE(released.has_value()) << released.status().message();
  auto alert = store_->Get(id);
  ASSERT_TRUE(alert.has_value() && alert->has_value());
  EXPECT_EQ((*alert)->resolved_by, "ops");
  EXPECT_EQ(monitor->stats().auto_resolved, 0u);

  // A new finding opens a new alert; the resync follows what the store says.
  ASSERT_TRUE(api->Report(std::vector<Finding>{High(9 * kHour)}, {}).has_value());
  ASSERT_TRUE(monitor->Resync().ok());
  EXPECT_TRUE(monitor->IsOpen(SourceKind::kMeter, "SM1", "voltage_high"));
  auto open = store_->OpenAlerts();
  ASSERT_TRUE(open.has_value());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_NE((*open)[0].id, id);
  ASSERT_TRUE(api->Resolve((*open)[0].id, "ops", "").has_value());
  ASSERT_TRUE(monitor->Resync().ok());
  EXPECT_FALSE(monitor->IsOpen(SourceKind::kMeter, "SM1", "voltage_high"));
  auto later = monitor->Report({}, std::vector<Clear>{ClearAt(10 * kHour)});
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->size(), 1u) << "released: nothing open any more";
}

TEST_F(MonitorAlertManagerTest, AResyncKeepsTheClearPeriodOfAnAlertStillOpen) {
  std::unique_ptr<AlertManager> monitor = Manager();
  ASSERT_TRUE(monitor->Report(std::vector<Finding>{High(1'000)}, {}).has_value());
  ASSERT_TRUE(monitor->Report({}, std::vector<Clear>{ClearAt(2'000)}).has_value());
  ASSERT_TRUE(monitor->Resync().ok());
  ASSERT_TRUE(monitor->Report({}, std::vector<Clear>{ClearAt(2'000 + kHour)}).has_value());
  EXPECT_EQ(monitor->stats().auto_resolved, 1u) << "the period begun before the resync counts";
  auto open = store_->OpenCount();
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(*open, 0u);
}

TEST_F(MonitorAlertManagerTest, OneMonitorLeadsUntilItsSessionEnds) {
  worker::MonitorLeader first(url_, ""), second(url_, "");
  auto led = first.TryLead();
  ASSERT_TRUE(led.has_value()) << led.status().message();
  EXPECT_TRUE(*led);
  auto waits = second.TryLead();
  ASSERT_TRUE(waits.has_value());
  EXPECT_FALSE(*waits) << "a standby while the first leads";
  EXPECT_TRUE(first.StillLeads());
  first.Resign();
  auto takes = second.TryLead();
  ASSERT_TRUE(takes.has_value());
  EXPECT_TRUE(*takes);
  EXPECT_FALSE(*first.TryLead());
}

}  // namespace
}  // namespace metrify::alerts
