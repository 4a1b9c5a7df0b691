#include "alerts/alert_manager.h"

#include <gtest/gtest.h>

#include "alerts/webhook_signature.h"
#include "alerts/webhook_test_receiver.h"
#include "registry/registry.h"
#include "store/engine/wal/wal_test_support.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::alerts {
namespace {

using engine::wal::test_support::TempDir;
using test::ReceivedRequest;
using test::WebhookTestReceiver;

constexpr int64_t kT0 = 1'741'564'800'000;  // 2025-03-10T00:00:00Z
constexpr int64_t kQ = 900'000;
constexpr int64_t kHour = 3'600'000;

Finding Voltage(std::string meter, int64_t at_ms, Severity severity = Severity::kWarning) {
  Finding f;
  f.type = "meter_rule";
  f.rule = "voltage_high";
  f.severity = severity;
  f.source_id = std::move(meter);
  f.message = "voltage 258 V above 250 V";
  f.at_ms = at_ms;
  f.value = 258;
  return f;
}

Finding Stuck(std::string meter, int64_t at_ms) {
  Finding f;
  f.type = "meter_fault";
  f.rule = "stuck_register";
  f.severity = Severity::kCritical;
  f.source_id = std::move(meter);
  f.message = "register stuck";
  f.at_ms = at_ms;
  return f;
}

Clear ClearOf(std::string meter, std::string rule, int64_t at_ms) {
  return Clear{SourceKind::kMeter, std::move(meter), std::move(rule), at_ms};
}

class AlertManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteRegistry::Open(dir_.path());
    ASSERT_TRUE(opened.has_value());
    registry_store_ = std::move(opened).value();
    registry_ = std::make_unique<registry::Registry>(*registry_store_);
    auto store = AlertStore::Open(registry_store_->path());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(receiver_.Start().ok());
    WebhookConfig config;
    config.urls = {receiver_.Url()};
    config.secret = "test-secret";
    config.first_backoff = std::chrono::milliseconds(10);
    auto notifier = WebhookNotifier::Create(config, {});
    ASSERT_TRUE(notifier.has_value()) << notifier.error().ToString();
    notifier_ = std::move(notifier).value();
    manager_ = MakeManager();
  }

  std::unique_ptr<AlertManager> MakeManager() {
    AlertManagerOptions options;
    options.clear_for_ms = [](std::string_view type) -> std::optional<int64_t> {
      if (type == "meter_fault") return std::nullopt;
      return kHour;
    };
    options.now = [] { return kT0 + 10 * kHour; };
    return std::make_unique<AlertManager>(*store_, registry_.get(), notifier_.get(), options);
  }

  void AddMeter(const std::string& id, std::string_view status = "ACTIVE") {
    auto created = registry_->Create<model::Meter>(
        {{"id", id}, {"timezone", std::string("UTC")}, {"status", std::string(status)}});
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
  }
  std::string StatusOf(const std::string& id) {
    auto meter = registry_->Get<model::Meter>(id);
    return meter ? std::string(model::EnumName(meter->status)) : "?";
  }
  std::vector<size_t> Report(std::vector<Finding> findings, std::vector<Clear> clears = {}) {
    auto released = manager_->Report(findings, clears);
    EXPECT_TRUE(released.has_value()) << released.error().ToString();
    return released.has_value() ? *released : std::vector<size_t>{};
  }
  std::vector<Alert> Open() {
    auto page = store_->List({.state = AlertState::kOpen});
    return page ? page->items : std::vector<Alert>{};
  }
  std::vector<std::string> Events() {
    std::vector<std::string> events;
    for (const ReceivedRequest& r : receiver_.Requests()) {
      events.push_back(r.Header("X-Metrify-Event"));
    }
    return events;
  }

  TempDir dir_;
  std::unique_ptr<store::SqliteRegistry> registry_store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<AlertStore> store_;
  WebhookTestReceiver receiver_;
  std::unique_ptr<WebhookNotifier> notifier_;
  std::unique_ptr<AlertManager> manager_;
};

TEST_F(AlertManagerTest, RepeatsUpdateOneAlertAndWebhooksHearOfOpeningAndEscalation) {
  Report({Voltage("M1", kT0 + kQ), Voltage("M1", kT0 + 2 * kQ)});
  Report({Voltage("M1", kT0 + 3 * kQ)});
  Report({Voltage("M1", kT0 + 4 * kQ, Severity::kCritical)});
  ASSERT_EQ(Open().size(), 1u);
  EXPECT_EQ(Open()[0].count, 4);
  EXPECT_EQ(Open()[0].severity, Severity::kCritical);
  ASSERT_TRUE(receiver_.WaitForCount(2));
  EXPECT_EQ(Events(), (std::vector<std::string>{"alert.opened", "alert.escalated"}));
  const ReceivedRequest first = receiver_.Requests()[0];
  EXPECT_TRUE(VerifyWebhookSignature("test-secret", first.Header("X-Metrify-Timestamp"),
                                     first.request.body, first.Header("X-Metrify-Signature")));
  EXPECT_NE(first.request.body.find("\"rule\":\"voltage_high\""), std::string::npos);
  EXPECT_EQ(manager_->stats().opened, 1u);
  EXPECT_EQ(manager_->stats().escalated, 1u);
}

TEST_F(AlertManagerTest, AnAlertResolvesItselfOnceItsConditionStayedClearLongEnough) {
  Report({Voltage("M1", kT0 + kQ)});
  // Clears older than the finding say nothing.
  Report({}, {ClearOf("M1", "voltage_high", kT0)});
  // Clear from 00:30; at 01:15 only 45 minutes.
  Report({}, {ClearOf("M1", "voltage_high", kT0 + 2 * kQ),
              ClearOf("M1", "voltage_high", kT0 + 5 * kQ)});
  ASSERT_EQ(Open().size(), 1u);
  // The condition comes back at 01:30: the period starts again.
  Report({Voltage("M1", kT0 + 6 * kQ)}, {});
  Report({}, {ClearOf("M1", "voltage_high", kT0 + 7 * kQ)});
  Report({}, {ClearOf("M1", "voltage_high", kT0 + 10 * kQ)});
  ASSERT_EQ(Open().size(), 1u) << "clear only 45 min since 01:45";
  const std::vector<size_t> released = Report({}, {ClearOf("M1", "voltage_high", kT0 + 11 * kQ)});
  EXPECT_TRUE(Open().empty());
  EXPECT_EQ(released, std::vector<size_t>{0});
  auto page = store_->List({.state = AlertState::kResolved});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].resolved_by, "metrify");
  EXPECT_NE(page->items[0].resolve_note.find("2025-03-10T01:45:00Z"), std::string::npos);
  EXPECT_EQ(manager_->stats().auto_resolved, 1u);
  // The next finding opens a new alert.
  Report({Voltage("M1", kT0 + 20 * kQ)});
  ASSERT_EQ(Open().size(), 1u);
  EXPECT_NE(Open()[0].id, page->items[0].id);
}

TEST_F(AlertManagerTest, ClearsOfSourcesWithoutAnOpenAlertAreReleased) {
  Report({Voltage("M1", kT0 + kQ)});
  const std::vector<size_t> released = Report(
      {}, {ClearOf("M2", "voltage_high", kT0 + 2 * kQ), ClearOf("M1", "voltage_high", kT0 + 2 * kQ),
           ClearOf("M1", "voltage_low", kT0 + 2 * kQ)});
  EXPECT_EQ(released, (std::vector<size_t>{0, 2}));
}

TEST_F(AlertManagerTest, ACriticalMeterFaultMakesTheMeterFaultyUntilResolved) {
  AddMeter("M1");
  AddMeter("M2", "MAINTENANCE");
  Report({Stuck("M1", kT0 + kQ), Stuck("M2", kT0 + kQ)});
  EXPECT_EQ(StatusOf("M1"), "FAULTY");
  EXPECT_EQ(StatusOf("M2"), "MAINTENANCE") << "people's status is left alone";
  // Meter faults do not resolve themselves (clear_for: never).
  Report({}, {ClearOf("M1", "stuck_register", kT0 + 100 * kQ)});
  EXPECT_EQ(StatusOf("M1"), "FAULTY");
  const int64_t id = **store_->OpenAlertId(SourceKind::kMeter, "M1", "stuck_register");
  auto acked = manager_->Acknowledge(id, "operator", "crew sent");
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(StatusOf("M1"), "FAULTY");
  auto resolved = manager_->Resolve(id, "operator", "meter exchanged");
  ASSERT_TRUE(resolved.has_value()) << resolved.error().ToString();
  EXPECT_EQ(StatusOf("M1"), "ACTIVE");
  ASSERT_TRUE(receiver_.WaitForCount(4));
  EXPECT_EQ(Events(), (std::vector<std::string>{"alert.opened", "alert.opened",
                                                "alert.acknowledged", "alert.resolved"}));
  // A second resolve is refused, naming the state.
  auto again = manager_->Resolve(id, "operator", "");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kConflict);
}

TEST_F(AlertManagerTest, OpenAlertsAreFollowedAfterARestart) {
  Report({Voltage("M1", kT0 + kQ)});
  manager_ = MakeManager();  // a new process: open alerts come from the store
  Report({}, {ClearOf("M1", "voltage_high", kT0 + 2 * kQ),
              ClearOf("M1", "voltage_high", kT0 + 6 * kQ)});
  EXPECT_TRUE(Open().empty());
}

}  // namespace
}  // namespace metrify::alerts
