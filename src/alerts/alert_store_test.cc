// The contract of AlertStore (alert_store.h), run against both stores: the
// SQLite one of a single process and PostgreSQL's of scaled mode (a real
// PostgreSQL 15, one server for the suite and a fresh database per test).
// What only PostgreSQL must do (several processes at once, an outage) is in
// tests/scaled/pg_alert_store_test.cc.
#include "alerts/alert_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "alerts/pg_alert_store.h"
#include "scaled/pg_registry_fixture.h"
#include "store/engine/wal/wal_test_support.h"
#include "store/postgres/pg_pool.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::alerts {
namespace {

using engine::wal::test_support::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;

enum class Backend { kSqlite, kPostgres };

Finding Seen(std::string source_id, std::string rule, int64_t at_ms,
             Severity severity = Severity::kWarning, double value = 253.0) {
  Finding f;
  f.type = "meter_rule";
  f.rule = std::move(rule);
  f.severity = severity;
  f.source_id = std::move(source_id);
  f.message = "voltage " + std::to_string(value) + " V at " + std::to_string(at_ms);
  f.at_ms = at_ms;
  f.value = value;
  return f;
}

class AlertStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { databases_.reset(); }

  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      // The registry creates and migrates the database the alerts live in.
      auto registry = store::SqliteRegistry::Open(dir_.path());
      ASSERT_TRUE(registry.has_value());
      path_ = (*registry)->path();
    } else {
      if (!databases_) databases_ = std::make_unique<test::PgDatabases>();
      url_ = databases_->Fresh();
      pool_ = std::make_unique<store::PgPool>(url_);
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<AlertStore> Open() {
    auto store =
        GetParam() == Backend::kSqlite ? AlertStore::Open(path_) : PgAlertStore::Open(*pool_);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store.has_value() ? std::move(store).value() : nullptr;
  }
  std::vector<RaiseOutcome> Raise(std::vector<Finding> findings, int64_t now_ms = kNow) {
    auto outcomes = store_->Raise(findings, now_ms);
    EXPECT_TRUE(outcomes.has_value()) << outcomes.error().ToString();
    return outcomes.has_value() ? std::move(outcomes).value() : std::vector<RaiseOutcome>{};
  }
  RaiseOutcome RaiseOne(Finding f, int64_t now_ms = kNow) {
    auto outcomes = Raise({std::move(f)}, now_ms);
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? RaiseOutcome{} : outcomes.front();
  }
  Alert Stored(int64_t id) {
    auto alert = store_->Get(id);
    EXPECT_TRUE(alert.has_value() && alert->has_value()) << "alert " << id;
    return alert.has_value() && alert->has_value() ? **alert : Alert{};
  }
  std::optional<int64_t> OpenId(SourceKind kind, std::string_view source_id,
                                std::string_view rule) {
    auto id = store_->OpenAlertId(kind, source_id, rule);
    EXPECT_TRUE(id.has_value()) << id.error().ToString();
    return id.has_value() ? *id : std::nullopt;
  }
  std::vector<Alert> OpenNow() {
    auto open = store_->OpenAlerts();
    EXPECT_TRUE(open.has_value()) << open.error().ToString();
    auto count = store_->OpenCount();
    EXPECT_TRUE(count.has_value()) << count.error().ToString();
    if (!open.has_value()) return {};
    EXPECT_EQ(count.has_value() ? *count : 0, open->size());
    return std::move(open).value();
  }
  // Makes every write of an alert of `source_id` fail inside the database
  // from now on; returns the code the store reports it with.
  StatusCode BreakWritesOf(const std::string& source_id) {
    if (GetParam() == Backend::kPostgres) {
      // A constraint the store does not know of refuses the row.
      auto db = store::PgConnection::Connect(url_, std::chrono::seconds(10));
      EXPECT_TRUE(db.has_value());
      EXPECT_TRUE((*db)
                      ->Exec("ALTER TABLE alerts ADD CONSTRAINT no_" + source_id +
                             " CHECK (source_id <> '" + source_id + "')")
                      .ok());
      return StatusCode::kConflict;
    }
    // An open alert written behind the store's back: inserting the same key
    // breaks the one-open-alert-per-key index.
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "INSERT INTO alerts(type, rule, severity, source_kind, source_id, message, first_seen, "
        "last_seen, count, state, created_at, updated_at) VALUES('meter_rule', 'voltage_high', "
        "'WARNING', 'meter', '" +
        source_id + "', '', 0, 0, 1, 'OPEN', 0, 0)";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    return StatusCode::kAlreadyExists;
  }

  static inline std::unique_ptr<test::PgDatabases> databases_;
  TempDir dir_;
  std::string path_;                     // SQLite
  std::string url_;                      // PostgreSQL
  std::unique_ptr<store::PgPool> pool_;  // PostgreSQL; outlives store_
  std::unique_ptr<AlertStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, AlertStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AlertStoreTest, ::testing::Values(Backend::kPostgres));

TEST_P(AlertStoreTest, AFirstFindingOpensAnAlert) {
  RaiseOutcome out = RaiseOne(Seen("SM1", "voltage_high", 900'000, Severity::kWarning, 258));
  EXPECT_TRUE(out.created);
  EXPECT_FALSE(out.escalated);
  const Alert& a = out.alert;
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.state, AlertState::kOpen);
  EXPECT_EQ(a.count, 1);
  EXPECT_EQ(a.first_seen_ms, 900'000);
  EXPECT_EQ(a.last_seen_ms, 900'000);
  EXPECT_EQ(a.created_at_ms, kNow);
  EXPECT_EQ(a.updated_at_ms, kNow);
  EXPECT_DOUBLE_EQ(a.value, 258);
  EXPECT_EQ(OpenId(SourceKind::kMeter, "SM1", "voltage_high"), a.id);

  Alert stored = Stored(a.id);
  EXPECT_EQ(stored.type, "meter_rule");
  EXPECT_EQ(stored.rule, "voltage_high");
  EXPECT_EQ(stored.source_kind, SourceKind::kMeter);
  EXPECT_EQ(stored.source_id, "SM1");
  EXPECT_EQ(stored.severity, Severity::kWarning);
  EXPECT_EQ(stored.message, a.message);
  EXPECT_DOUBLE_EQ(stored.value, 258);
  EXPECT_EQ(stored.created_at_ms, kNow);
  EXPECT_TRUE(stored.acknowledged_by.empty());
  EXPECT_EQ(stored.resolved_at_ms, 0);
  auto missing = store_->Get(a.id + 1);
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(AlertStoreTest, ARepeatUpdatesTheOpenAlertInsteadOfCreating) {
  const int64_t id =
      RaiseOne(Seen("SM1", "voltage_high", 900'000, Severity::kWarning, 253)).alert.id;
  RaiseOutcome second =
      RaiseOne(Seen("SM1", "voltage_high", 1'800'000, Severity::kWarning, 256), kNow + 10);
  EXPECT_FALSE(second.created);
  EXPECT_FALSE(second.escalated);
  EXPECT_EQ(second.alert.id, id);
  EXPECT_EQ(second.alert.count, 2);
  EXPECT_EQ(second.alert.last_seen_ms, 1'800'000);
  EXPECT_DOUBLE_EQ(second.alert.value, 256);
  EXPECT_EQ(second.alert.updated_at_ms, kNow + 10);
  EXPECT_EQ(second.alert.created_at_ms, kNow);

  // A late (backfilled) finding widens first_seen but is not the newest.
  RaiseOutcome late = RaiseOne(Seen("SM1", "voltage_high", 0, Severity::kWarning, 251), kNow + 20);
  Alert stored = Stored(id);
  EXPECT_EQ(stored.count, 3);
  EXPECT_EQ(stored.first_seen_ms, 0);
  EXPECT_EQ(stored.last_seen_ms, 1'800'000);
  EXPECT_DOUBLE_EQ(stored.value, 256);
  EXPECT_EQ(stored.message, second.alert.message);
  EXPECT_EQ(stored.updated_at_ms, kNow + 20);
  EXPECT_EQ(late.alert.count, stored.count);
}

TEST_P(AlertStoreTest, ARisingSeverityIsKeptAndReportedOnce) {
  RaiseOne(Seen("SM1", "voltage_high", 900'000, Severity::kWarning));
  RaiseOutcome up = RaiseOne(Seen("SM1", "voltage_high", 1'800'000, Severity::kCritical));
  EXPECT_TRUE(up.escalated);
  EXPECT_FALSE(up.created);
  EXPECT_EQ(up.previous_severity, Severity::kWarning);
  EXPECT_EQ(up.alert.severity, Severity::kCritical);

  RaiseOutcome down = RaiseOne(Seen("SM1", "voltage_high", 2'700'000, Severity::kInfo));
  EXPECT_FALSE(down.escalated);
  EXPECT_EQ(down.alert.severity, Severity::kCritical);  // the highest while open
  EXPECT_EQ(Stored(up.alert.id).severity, Severity::kCritical);
}

TEST_P(AlertStoreTest, ADifferentRuleOrSourceOpensItsOwnAlert) {
  Finding station = Seen("SM1", "voltage_high", 900'000);
  station.source_kind = SourceKind::kWeatherStation;
  auto outcomes = Raise({Seen("SM1", "voltage_high", 900'000), Seen("SM1", "voltage_low", 900'000),
                         Seen("SM2", "voltage_high", 900'000), station});
  ASSERT_EQ(outcomes.size(), 4u);
  std::set<int64_t> ids;
  for (const RaiseOutcome& o : outcomes) {
    EXPECT_TRUE(o.created);
    ids.insert(o.alert.id);
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(OpenId(SourceKind::kWeatherStation, "SM1", "voltage_high"), outcomes[3].alert.id);
  EXPECT_FALSE(OpenId(SourceKind::kGridOperator, "SM1", "voltage_high"));
  EXPECT_EQ(OpenNow().size(), 4u);
}

TEST_P(AlertStoreTest, FindingsOfOneKeyInOneCallFoldIntoOneAlert) {
  auto outcomes = Raise({Seen("SM1", "voltage_high", 1'800'000), Seen("SM2", "voltage_high", 0),
                         Seen("SM1", "voltage_high", 900'000, Severity::kCritical),
                         Seen("SM1", "voltage_high", 2'700'000, Severity::kWarning, 260)});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].alert.source_id, "SM1");  // in the order of first appearance
  EXPECT_EQ(outcomes[1].alert.source_id, "SM2");
  const Alert& a = outcomes[0].alert;
  EXPECT_TRUE(outcomes[0].created);
  EXPECT_FALSE(outcomes[0].escalated);  // created: nothing to escalate from
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.first_seen_ms, 900'000);
  EXPECT_EQ(a.last_seen_ms, 2'700'000);
  EXPECT_EQ(a.severity, Severity::kCritical);
  EXPECT_DOUBLE_EQ(a.value, 260);
  EXPECT_EQ(Stored(a.id).count, 3);
  EXPECT_EQ(OpenNow().size(), 2u);
}

TEST_P(AlertStoreTest, ResolvingFreesTheKeySoTheNextFindingOpensANewAlert) {
  const int64_t first = RaiseOne(Seen("SM1", "voltage_high", 900'000)).alert.id;
  auto resolved = store_->Resolve(first, "j.schmidt", "fuse replaced", kNow + 5);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().ToString();
  EXPECT_EQ(resolved->state, AlertState::kResolved);
  EXPECT_EQ(resolved->resolved_by, "j.schmidt");
  EXPECT_EQ(resolved->resolve_note, "fuse replaced");
  EXPECT_EQ(resolved->resolved_at_ms, kNow + 5);
  EXPECT_FALSE(OpenId(SourceKind::kMeter, "SM1", "voltage_high"));
  EXPECT_TRUE(OpenNow().empty());

  RaiseOutcome again = RaiseOne(Seen("SM1", "voltage_high", 1'800'000), kNow + 6);
  EXPECT_TRUE(again.created);
  EXPECT_NE(again.alert.id, first);
  EXPECT_EQ(again.alert.count, 1);
  Alert old = Stored(first);
  EXPECT_EQ(old.state, AlertState::kResolved);
  EXPECT_EQ(old.count, 1);
  EXPECT_EQ(old.resolve_note, "fuse replaced");
}

TEST_P(AlertStoreTest, AcknowledgeThenResolveAndTheRefusedTransitions) {
  const int64_t id = RaiseOne(Seen("SM1", "voltage_high", 900'000)).alert.id;
  auto acked = store_->Acknowledge(id, "ops", "", kNow + 1);  // a note is optional
  ASSERT_TRUE(acked.has_value()) << acked.error().ToString();
  EXPECT_EQ(acked->state, AlertState::kAcknowledged);
  EXPECT_EQ(acked->acknowledged_by, "ops");
  EXPECT_EQ(acked->acknowledged_at_ms, kNow + 1);
  EXPECT_EQ(Stored(id).state, AlertState::kAcknowledged);

  // An acknowledged alert is still open: findings update it, state kept.
  RaiseOutcome repeat = RaiseOne(Seen("SM1", "voltage_high", 1'800'000));
  EXPECT_EQ(repeat.alert.id, id);
  EXPECT_EQ(repeat.alert.state, AlertState::kAcknowledged);
  EXPECT_EQ(repeat.alert.acknowledged_by, "ops");

  auto twice = store_->Acknowledge(id, "ops", "", kNow + 2);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code(), StatusCode::kConflict);
  EXPECT_NE(twice.error().message().find("ACKNOWLEDGED"), std::string::npos);

  auto no_one = store_->Resolve(id, "", "done", kNow + 3);
  ASSERT_FALSE(no_one.has_value());
  EXPECT_EQ(no_one.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Stored(id).state, AlertState::kAcknowledged);

  auto resolved = store_->Resolve(id, "ops", "done", kNow + 4);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().ToString();
  EXPECT_EQ(resolved->state, AlertState::kResolved);
  EXPECT_EQ(resolved->acknowledged_by, "ops");  // the history stays

  for (auto result :
       {store_->Resolve(id, "ops", "", kNow), store_->Acknowledge(id, "ops", "", kNow)}) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), StatusCode::kConflict);
    EXPECT_NE(result.error().message().find("RESOLVED"), std::string::npos);
  }
  for (auto result : {store_->Resolve(id + 100, "ops", "", kNow),
                      store_->Acknowledge(id + 100, "ops", "", kNow)}) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), StatusCode::kNotFound);
  }
  auto anonymous = store_->Acknowledge(id, "", "", kNow);
  ASSERT_FALSE(anonymous.has_value());
  EXPECT_EQ(anonymous.error().code(), StatusCode::kInvalidArgument);
}

TEST_P(AlertStoreTest, ListFiltersPagesAndPutsTheNewestFirst) {
  Finding grid = Seen("GO1", "feeder_overload", 4'000, Severity::kCritical);
  grid.type = "grid";
  grid.source_kind = SourceKind::kGridOperator;
  auto outcomes = Raise({Seen("SM1", "voltage_high", 1'000), Seen("SM2", "voltage_high", 3'000),
                         Seen("SM3", "voltage_low", 3'000, Severity::kInfo), grid,
                         Seen("SM1", "voltage_low", 2'000)});
  ASSERT_EQ(outcomes.size(), 5u);
  ASSERT_TRUE(store_->Resolve(outcomes[0].alert.id, "ops", "", kNow).has_value());

  auto ids = [&](const AlertQuery& q) {
    auto page = store_->List(q);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    std::vector<std::string> out;
    if (!page.has_value()) return out;
    for (const Alert& a : page->items) out.push_back(a.source_id + "/" + a.rule);
    return out;
  };
  using V = std::vector<std::string>;
  // last_seen descending; the two at 3'000 by id descending.
  EXPECT_EQ(ids({}), (V{"GO1/feeder_overload", "SM3/voltage_low", "SM2/voltage_high",
                        "SM1/voltage_low", "SM1/voltage_high"}));
  EXPECT_EQ(ids({.state = AlertState::kResolved}), V{"SM1/voltage_high"});
  EXPECT_EQ(ids({.severity = Severity::kWarning}),
            (V{"SM2/voltage_high", "SM1/voltage_low", "SM1/voltage_high"}));  // exact
  EXPECT_EQ(ids({.source_kind = SourceKind::kGridOperator}), V{"GO1/feeder_overload"});
  EXPECT_EQ(ids({.source_id = "SM1"}), (V{"SM1/voltage_low", "SM1/voltage_high"}));
  EXPECT_EQ(ids({.type = "grid"}), V{"GO1/feeder_overload"});
  EXPECT_EQ(ids({.rule = "voltage_low"}), (V{"SM3/voltage_low", "SM1/voltage_low"}));
  EXPECT_EQ(ids({.since_ms = 3'000}),
            (V{"GO1/feeder_overload", "SM3/voltage_low", "SM2/voltage_high"}));
  EXPECT_EQ(ids({.state = AlertState::kOpen, .source_id = "SM1"}), V{"SM1/voltage_low"});

  auto second = store_->List({.page = 2, .page_size = 2});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->total_count, 5);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].source_id, "SM2");
  EXPECT_EQ(second->items[1].source_id, "SM1");
  auto last = store_->List({.page = 3, .page_size = 2});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->items.size(), 1u);

  for (AlertQuery bad :
       {AlertQuery{.page = 0}, AlertQuery{.page_size = 0}, AlertQuery{.page_size = 1001}}) {
    auto refused = store_->List(bad);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST_P(AlertStoreTest, CountGroupsTheAlertsThatOverlapTheWindow) {
  Finding grid = Seen("GO1", "feeder_overload", 5'000, Severity::kCritical);
  grid.type = "grid";
  grid.source_kind = SourceKind::kGridOperator;
  auto outcomes = Raise({Seen("SM1", "voltage_high", 1'000), Seen("SM1", "voltage_high", 6'000),
                         Seen("SM1", "voltage_low", 2'000), grid, grid,
                         Seen("SM2", "voltage_high", 50'000),  // after the window
                         Seen("SM3", "voltage_high", 9'999, Severity::kInfo),
                         Seen("SM4", "voltage_high", 10'000)});  // at the (open) end
  ASSERT_EQ(outcomes.size(), 6u);
  ASSERT_TRUE(store_->Resolve(outcomes[1].alert.id, "ops", "", kNow).has_value());  // SM1/low

  auto count = [&](std::string_view group_by) {
    auto groups = store_->Count(3'000, 10'000, group_by);
    EXPECT_TRUE(groups.has_value()) << groups.error().ToString();
    return groups.has_value() ? *groups : std::vector<AnomalyCount>{};
  };
  // In [3'000, 10'000): SM1/high spans 1'000..6'000, GO1 at 5'000, SM3 at
  // 9'999. SM1/low (2'000) ends before, SM2 and SM4 start at or after the end.
  auto by_type = count("type");
  ASSERT_EQ(by_type.size(), 2u);
  EXPECT_EQ(by_type[0].key, "meter_rule");
  EXPECT_EQ(by_type[0].alerts, 2);
  EXPECT_EQ(by_type[0].occurrences, 3);
  EXPECT_EQ(by_type[0].open, 2);
  EXPECT_EQ(by_type[1].key, "grid");
  EXPECT_EQ(by_type[1].occurrences, 2);

  auto by_severity = count("severity");
  ASSERT_EQ(by_severity.size(), 3u);  // one alert each: ordered by key
  EXPECT_EQ(by_severity[0].key, "CRITICAL");
  EXPECT_EQ(by_severity[1].key, "INFO");
  EXPECT_EQ(by_severity[2].key, "WARNING");
  EXPECT_EQ(by_severity[2].occurrences, 2);

  auto by_source = count("source");
  ASSERT_EQ(by_source.size(), 3u);
  EXPECT_EQ(by_source[0].key, "grid_operator:GO1");
  EXPECT_EQ(by_source[1].key, "meter:SM1");
  EXPECT_EQ(by_source[2].key, "meter:SM3");

  // A window covering everything counts the resolved alert, not as open.
  auto all = store_->Count(0, 100'000, "source");
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].key, "meter:SM1");
  EXPECT_EQ((*all)[0].alerts, 2);
  EXPECT_EQ((*all)[0].open, 1);

  // The window's start is inclusive: SM1/low ends there.
  auto at_start = store_->Count(2'000, 2'001, "source");
  ASSERT_TRUE(at_start.has_value());
  ASSERT_EQ(at_start->size(), 1u);
  EXPECT_EQ((*at_start)[0].alerts, 2);

  for (auto bad : {store_->Count(0, 10'000, "rule"), store_->Count(10'000, 10'000, "type")}) {
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST_P(AlertStoreTest, ResolveManyResolvesTheOpenOnesInOneCallAndPassesOverTheRest) {
  const int64_t a = RaiseOne(Seen("SM1", "voltage_high", 1000)).alert.id;
  const int64_t b = RaiseOne(Seen("SM2", "voltage_high", 1000)).alert.id;
  const int64_t c = RaiseOne(Seen("SM3", "voltage_high", 1000)).alert.id;
  ASSERT_TRUE(store_->Resolve(c, "op", "by hand", kNow).has_value());
  const std::vector<int64_t> ids = {a, b, c, 999};
  const std::vector<std::string> notes = {"clear a", "clear b", "clear c", "none"};
  auto resolved = store_->ResolveMany(ids, "metrify", notes, kNow + 7);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().ToString();
  ASSERT_EQ(resolved->size(), 2u);
  EXPECT_EQ(Stored(a).state, AlertState::kResolved);
  EXPECT_EQ(Stored(a).resolve_note, "clear a");
  EXPECT_EQ(Stored(b).resolve_note, "clear b");
  EXPECT_EQ(Stored(b).resolved_at_ms, kNow + 7);
  EXPECT_EQ(Stored(c).resolve_note, "by hand");
  EXPECT_FALSE(OpenId(SourceKind::kMeter, "SM1", "voltage_high").has_value());
  EXPECT_TRUE(RaiseOne(Seen("SM1", "voltage_high", 2000)).created);
  EXPECT_FALSE(store_->ResolveMany(ids, "", notes, kNow).has_value());
}

TEST_P(AlertStoreTest, DeadLettersRoundTripNewestFirstWithoutCredentials) {
  DeadLetter d{.alert_id = 7,
               .event = "alert.opened",
               .url = "https://user:pw@hooks.example.com:8443/alerts?token=s3cret#x",
               .attempts = 5,
               .last_error =
                   "POST https://user:pw@hooks.example.com:8443/alerts?token=s3cret#x: "
                   "503 Service Unavailable",
               .payload = R"({"id":7})",
               .failed_at_ms = kNow};
  ASSERT_TRUE(store_->RecordDeadLetter(d).ok());
  DeadLetter later = d;
  later.event = "alert.resolved";
  later.url = "http://10.0.0.1/hook";
  later.failed_at_ms = kNow + 1;
  ASSERT_TRUE(store_->RecordDeadLetter(later).ok());

  auto letters = store_->DeadLetters(10);
  ASSERT_TRUE(letters.has_value()) << letters.error().ToString();
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].event, "alert.resolved");
  EXPECT_EQ((*letters)[0].url, "http://10.0.0.1/hook");
  const DeadLetter& first = (*letters)[1];
  EXPECT_EQ(first.alert_id, 7);
  EXPECT_EQ(first.event, "alert.opened");
  EXPECT_EQ(first.url, "https://hooks.example.com:8443/alerts");
  EXPECT_EQ(first.attempts, 5);
  EXPECT_EQ(first.last_error,
            "POST https://hooks.example.com:8443/alerts: 503 Service Unavailable");
  EXPECT_EQ(first.payload, R"({"id":7})");
  EXPECT_EQ(first.failed_at_ms, kNow);

  auto one = store_->DeadLetters(1);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].event, "alert.resolved");
  EXPECT_FALSE(store_->DeadLetters(0).has_value());
  DeadLetter no_url = d;
  no_url.url.clear();
  EXPECT_EQ(store_->RecordDeadLetter(no_url).code(), StatusCode::kInvalidArgument);
}

TEST_P(AlertStoreTest, OpenAlertsSurviveAReopenAndStayDeduplicated) {
  auto outcomes = Raise({Seen("SM1", "voltage_high", 900'000), Seen("SM2", "voltage_high", 0),
                         Seen("SM3", "voltage_high", 0)});
  ASSERT_EQ(outcomes.size(), 3u);
  ASSERT_TRUE(store_->Acknowledge(outcomes[1].alert.id, "ops", "", kNow).has_value());
  ASSERT_TRUE(store_->Resolve(outcomes[2].alert.id, "ops", "", kNow).has_value());
  store_.reset();
  store_ = Open();

  std::vector<Alert> open = OpenNow();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, outcomes[0].alert.id);
  EXPECT_EQ(open[1].state, AlertState::kAcknowledged);
  EXPECT_EQ(OpenId(SourceKind::kMeter, "SM2", "voltage_high"), outcomes[1].alert.id);
  EXPECT_FALSE(OpenId(SourceKind::kMeter, "SM3", "voltage_high"));

  auto again = Raise({Seen("SM1", "voltage_high", 1'800'000), Seen("SM3", "voltage_high", 1)});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_FALSE(again[0].created);
  EXPECT_EQ(again[0].alert.id, outcomes[0].alert.id);
  EXPECT_EQ(again[0].alert.count, 2);
  EXPECT_EQ(again[0].alert.first_seen_ms, 900'000);
  EXPECT_TRUE(again[1].created);  // SM3's alert was resolved
}

TEST_P(AlertStoreTest, AnIncompleteFindingRefusesTheCallAndWritesNothing) {
  Finding no_rule = Seen("SM2", "", 0);
  auto refused = store_->Raise(std::vector<Finding>{Seen("SM1", "voltage_high", 0), no_rule}, kNow);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.error().details().size(), 1u);
  EXPECT_EQ(refused.error().details()[0].field, "[1].rule");
  EXPECT_TRUE(OpenNow().empty());
  auto page = store_->List({});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_count, 0);
}

TEST_P(AlertStoreTest, AFailedRaiseRollsBackEveryAlertOfTheCall) {
  const StatusCode expected = BreakWritesOf("SM9");
  auto failed = store_->Raise(
      std::vector<Finding>{Seen("SM1", "voltage_high", 0), Seen("SM9", "voltage_high", 0)}, kNow);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), expected) << failed.error().ToString();
  EXPECT_FALSE(OpenId(SourceKind::kMeter, "SM1", "voltage_high"));
  auto page = store_->List({.source_id = "SM1"});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_count, 0);  // SM1's insert was rolled back too
}

// Whatever text a source id or message holds and whatever the value, it
// reads back as written (PostgreSQL gets batches as array literals, where
// quotes, backslashes, commas and braces mean something).
TEST_P(AlertStoreTest, TextAndValuesReadBackAsWritten) {
  const std::vector<std::string> ids = {"SM \"1\"", "SM\\2", "{SM,3}", "Zähler ☃", "NULL"};
  const std::vector<double> values = {NAN, -0.5, 1e-300, INFINITY, 0.1};
  std::vector<Finding> findings;
  for (size_t i = 0; i < ids.size(); ++i) {
    findings.push_back(Seen(ids[i], "voltage_high", 1'000, Severity::kWarning, values[i]));
    findings.back().message = i == 0 ? "" : "said \"" + ids[i] + "\", then {x}";
  }
  auto outcomes = Raise(findings);
  ASSERT_EQ(outcomes.size(), ids.size());
  Raise(findings);  // and again, now as updates
  for (size_t i = 0; i < ids.size(); ++i) {
    Alert a = Stored(outcomes[i].alert.id);
    EXPECT_EQ(a.source_id, ids[i]);
    EXPECT_EQ(a.message, findings[i].message);
    EXPECT_EQ(a.count, 2);
    if (std::isnan(values[i])) {
      EXPECT_TRUE(std::isnan(a.value)) << a.value;
    } else {
      EXPECT_EQ(a.value, values[i]);
    }
    EXPECT_EQ(OpenId(SourceKind::kMeter, ids[i], "voltage_high"), a.id) << ids[i];
  }
}

TEST_P(AlertStoreTest, TwentyThousandFindingsOverFiveThousandKeysInOneCall) {
  constexpr int kKeys = 5'000, kFindings = 20'000;
  std::vector<Finding> findings;
  findings.reserve(kFindings);
  for (int i = 0; i < kFindings; ++i) {
    findings.push_back(Seen("SM" + std::to_string(i % kKeys), "voltage_high", int64_t{i} * 1000,
                            i < kKeys ? Severity::kWarning : Severity::kCritical));
  }
  auto timed_raise = [&](const char* what, int64_t now_ms) {
    auto start = std::chrono::steady_clock::now();
    auto outcomes = store_->Raise(findings, now_ms);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(outcomes.has_value()) << outcomes.error().ToString();
    std::printf("[ timing   ] Raise of %d findings over %d keys (%s): %.1f ms\n", kFindings, kKeys,
                what, ms);
    EXPECT_LT(ms, 5'000);  // well under a second normally; this only catches row-by-row commits
    return outcomes.has_value() ? std::move(outcomes).value() : std::vector<RaiseOutcome>{};
  };

  auto created = timed_raise("all new", kNow);
  ASSERT_EQ(created.size(), static_cast<size_t>(kKeys));
  for (const RaiseOutcome& o : created) {
    ASSERT_TRUE(o.created);
    ASSERT_EQ(o.alert.count, 4);
    ASSERT_EQ(o.alert.severity, Severity::kCritical);
  }
  EXPECT_EQ(created[7].alert.source_id, "SM7");
  EXPECT_EQ(created[7].alert.first_seen_ms, 7'000);
  EXPECT_EQ(created[7].alert.last_seen_ms, (15'000 + 7) * 1000);
  EXPECT_EQ(OpenNow().size(), static_cast<size_t>(kKeys));

  auto updated = timed_raise("all open", kNow + 1);  // the same again: all updates
  ASSERT_EQ(updated.size(), static_cast<size_t>(kKeys));
  for (size_t i = 0; i < updated.size(); ++i) {
    ASSERT_FALSE(updated[i].created);
    ASSERT_FALSE(updated[i].escalated);
    ASSERT_EQ(updated[i].alert.id, created[i].alert.id);
    ASSERT_EQ(updated[i].alert.count, 8);
  }
  auto page = store_->List({.page_size = 1});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_count, kKeys);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].count, 8);
  EXPECT_EQ(page->items[0].source_id, "SM4999");  // the newest last_seen
}

}  // namespace
}  // namespace metrify::alerts
