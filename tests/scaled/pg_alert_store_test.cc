// PgAlertStore (alerts/pg_alert_store.h) as scaled mode runs it: several
// processes, each with its own pool and store, on one PostgreSQL database
// at once, and a database that goes away and comes back (also under an
// AlertManager). The contract both stores share is tested in
// src/alerts/alert_store_test.cc.
#include "alerts/pg_alert_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_manager.h"
#include "scaled/pg_registry_fixture.h"
#include "store/postgres/pg_pool.h"

namespace metrify::alerts {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr char kPassword[] = "s3cret-pw";

Finding Seen(SourceKind kind, std::string source_id, std::string rule, int64_t at_ms,
             Severity severity = Severity::kWarning) {
  Finding f;
  f.type = kind == SourceKind::kMeter ? "meter_rule" : "grid";
  f.rule = std::move(rule);
  f.severity = severity;
  f.source_kind = kind;
  f.source_id = std::move(source_id);
  f.message = "seen at " + std::to_string(at_ms);
  f.at_ms = at_ms;
  f.value = static_cast<double>(at_ms);
  return f;
}
Finding Meter(std::string id, int64_t at_ms, Severity severity = Severity::kWarning) {
  return Seen(SourceKind::kMeter, std::move(id), "voltage_high", at_ms, severity);
}

// One process of scaled mode: a pool of its own and a store on it.
struct Process {
  std::unique_ptr<store::PgPool> pool;
  std::unique_ptr<AlertStore> store;
};

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

class PgAlertStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { databases_ = std::make_unique<test::PgDatabases>(); }
  static void TearDownTestSuite() { databases_.reset(); }

  void SetUp() override { url_ = databases_->Fresh(); }
  // A test that stopped the server and failed before starting it again
  // must not take the rest of the suite with it.
  void TearDown() override {
    if (!databases_->server().running()) databases_->server().Start();
  }

  static Process Start(const std::string& url, size_t connections = 4) {
    Process p;
    store::PgPoolOptions options;
    options.max_connections = connections;
    p.pool = std::make_unique<store::PgPool>(url, options);
    auto store = PgAlertStore::Open(*p.pool);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    if (store.has_value()) p.store = std::move(store).value();
    return p;
  }

  static inline std::unique_ptr<test::PgDatabases> databases_;
  std::string url_;
};

// Two processes with four threads each raise, call after call, the same
// two keys (a meter and a grid operator, in either order, so bucket locks
// are taken both ways round), a key new in each round (which all eight
// threads race to open) and a key of their own: every finding lands, in ONE
// open alert per key, opened by exactly one of the calls.
TEST_F(PgAlertStoreTest, TwoProcessesRaisingOneKeyConcurrentlyFoldIntoOneOpenAlert) {
  constexpr int kProcesses = 2, kThreads = 4, kCalls = 25;
  std::vector<Process> processes;
  for (int p = 0; p < kProcesses; ++p) processes.push_back(Start(url_));
  std::mutex mu;
  std::map<std::string, int> created;  // by source_id; guarded by mu
  std::atomic<int> failures{0};
  std::latch go(kProcesses * kThreads);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, p, t] {
        AlertStore& store = *processes[p].store;
        const std::string own = "SM-" + std::to_string(p) + "-" + std::to_string(t);
        EXPECT_TRUE(store.OpenCount().has_value());  // connected before the race starts
        go.arrive_and_wait();
        for (int i = 0; i < kCalls; ++i) {
          const int64_t at = 1'000 * (1 + i + kCalls * (t + kThreads * p));
          Finding grid = Seen(SourceKind::kGridOperator, "GO1", "frequency_out", at,
                              i == kCalls - 1 ? Severity::kCritical : Severity::kWarning);
          std::vector<Finding> findings = {Meter("SM1", at), Meter("R" + std::to_string(i), at),
                                           Meter(own, at), grid};
          if (t % 2 == 1) std::swap(findings.front(), findings.back());
          auto outcomes = store.Raise(findings, kNow + i);
          if (!outcomes.has_value()) {
            ADD_FAILURE() << outcomes.error().ToString();
            ++failures;
            continue;
          }
          std::lock_guard lock(mu);
          for (const RaiseOutcome& o : *outcomes) created[o.alert.source_id] += o.created;
        }
      });
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::thread& t : threads) t.join();
  std::printf("[ timing   ] %d Raise calls from %d processes x %d threads: %.1f ms\n",
              kProcesses * kThreads * kCalls, kProcesses, kThreads, MillisSince(start));
  ASSERT_EQ(failures, 0);
  constexpr size_t kKeys = 2 + kCalls + kProcesses * kThreads;
  EXPECT_EQ(created.size(), kKeys);
  for (const auto& [source_id, opened] : created) EXPECT_EQ(opened, 1) << source_id;

  auto open = processes[1].store->OpenAlerts();
  ASSERT_TRUE(open.has_value()) << open.error().ToString();
  EXPECT_EQ(open->size(), kKeys);
  auto total = processes[0].store->List({});
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(total->total_count, static_cast<int64_t>(kKeys)) << "nothing but the open alerts";
  constexpr int64_t kAll = kProcesses * kThreads * kCalls;
  for (const Alert& a : *open) {
    if (a.source_id == "SM1" || a.source_id == "GO1") {
      EXPECT_EQ(a.count, kAll) << a.source_id;
      EXPECT_EQ(a.first_seen_ms, 1'000) << a.source_id;
      EXPECT_EQ(a.last_seen_ms, 1'000 * kAll) << a.source_id;
      EXPECT_DOUBLE_EQ(a.value, 1'000.0 * kAll) << "the newest finding's";
    } else if (a.source_id.starts_with("R")) {
      EXPECT_EQ(a.count, kProcesses * kThreads) << a.source_id;
    } else {
      EXPECT_EQ(a.count, kCalls) << a.source_id;
    }
  }
  auto grid = processes[0].store->OpenAlertId(SourceKind::kGridOperator, "GO1", "frequency_out");
  ASSERT_TRUE(grid.has_value() && grid->has_value());
  auto stored = processes[0].store->Get(**grid);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ((*stored)->severity, Severity::kCritical) << "the highest any process saw";
}

// One process raises a key call after call while another resolves whatever
// alert of it is open: no finding is lost or counted twice, none is folded
// into an alert already resolved, and at most one alert of the key is open.
TEST_F(PgAlertStoreTest, ResolvingWhileAnotherProcessRaisesLosesNoFinding) {
  constexpr int kCalls = 150;
  constexpr int64_t kResolvedAt = kNow + 1'000'000;
  Process raiser = Start(url_), resolver = Start(url_);
  std::atomic<bool> done{false};
  std::atomic<int> created{0}, resolved{0};
  std::thread raising([&] {
    for (int i = 0; i < kCalls; ++i) {
      auto outcomes =
          raiser.store->Raise(std::vector<Finding>{Meter("SM1", 1'000 * (i + 1))}, kNow + i);
      if (!outcomes.has_value()) {
        ADD_FAILURE() << outcomes.error().ToString();
        break;
      }
      created += (*outcomes)[0].created;
    }
    done = true;
  });
  std::thread resolving([&] {
    while (!done) {
      auto id = resolver.store->OpenAlertId(SourceKind::kMeter, "SM1", "voltage_high");
      ASSERT_TRUE(id.has_value()) << id.error().ToString();
      if (!id->has_value()) continue;
      auto result = resolver.store->Resolve(**id, "ops", "", kResolvedAt);
      if (result.has_value()) {
        ++resolved;
      } else {
        EXPECT_EQ(result.error().code(), StatusCode::kConflict) << result.error().ToString();
      }
    }
  });
  raising.join();
  resolving.join();

  auto page = raiser.store->List({.source_id = "SM1", .page_size = 1000});
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  int64_t findings = 0, open = 0;
  for (const Alert& a : page->items) {
    findings += a.count;
    open += a.state != AlertState::kResolved;
    if (a.state == AlertState::kResolved) {
      EXPECT_EQ(a.updated_at_ms, kResolvedAt) << "alert " << a.id << " changed after resolving";
    }
  }
  EXPECT_EQ(findings, kCalls);
  EXPECT_LE(open, 1);
  EXPECT_EQ(page->total_count, created.load());
  EXPECT_EQ(page->total_count - open, resolved.load());
  EXPECT_GT(resolved, 0) << "the race was run";
}

TEST_F(PgAlertStoreTest, OfTwoProcessesAcknowledgingOneAlertOneWinsAndOneConflicts) {
  Process a = Start(url_), b = Start(url_);
  auto raised = a.store->Raise(std::vector<Finding>{Meter("SM1", 1'000)}, kNow);
  ASSERT_TRUE(raised.has_value());
  const int64_t id = (*raised)[0].alert.id;
  std::latch go(2);
  Result<Alert> first = Status::Internal("not run"), second = Status::Internal("not run");
  std::thread ta([&] {
    go.arrive_and_wait();
    first = a.store->Acknowledge(id, "ops-a", "", kNow + 1);
  });
  std::thread tb([&] {
    go.arrive_and_wait();
    second = b.store->Acknowledge(id, "ops-b", "", kNow + 2);
  });
  ta.join();
  tb.join();
  ASSERT_NE(first.has_value(), second.has_value());
  const Result<Alert>& lost = first.has_value() ? second : first;
  EXPECT_EQ(lost.error().code(), StatusCode::kConflict);
  EXPECT_NE(lost.error().message().find("ACKNOWLEDGED"), std::string::npos);
  auto stored = b.store->Get(id);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ((*stored)->acknowledged_by, first.has_value() ? "ops-a" : "ops-b");
}

// The database goes away: every method says Unavailable, naming the server
// but never the password of the URL; once it is back, the store serves again
// without being opened anew, and what failed wrote nothing.
TEST_F(PgAlertStoreTest, AStoppedDatabaseIsUnavailableWithoutPasswordAndServesAgainAfterStart) {
  databases_->Create("outage");
  Process p = Start(databases_->Url("outage", kPassword));
  auto raised = p.store->Raise(std::vector<Finding>{Meter("SM1", 1'000)}, kNow);
  ASSERT_TRUE(raised.has_value()) << raised.error().ToString();
  const int64_t id = (*raised)[0].alert.id;

  ASSERT_EQ(databases_->server().Stop(), 0);
  auto expect_unavailable = [](const Status& status, const char* what) {
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << what << ": " << status.ToString();
    EXPECT_EQ(status.message().find(kPassword), std::string::npos)
        << what << ": " << status.message();
  };
  AlertStore& s = *p.store;
  const std::vector<int64_t> ids = {id};
  const std::vector<std::string> notes = {""};
  expect_unavailable(s.Raise(std::vector<Finding>{Meter("SM1", 2'000)}, kNow).status(), "Raise");
  expect_unavailable(s.Get(id).status(), "Get");
  expect_unavailable(s.List({}).status(), "List");
  expect_unavailable(s.Count(0, 10'000, "type").status(), "Count");
  expect_unavailable(s.OpenAlerts().status(), "OpenAlerts");
  expect_unavailable(s.OpenCount().status(), "OpenCount");
  expect_unavailable(s.OpenAlertId(SourceKind::kMeter, "SM1", "voltage_high").status(),
                     "OpenAlertId");
  expect_unavailable(s.Acknowledge(id, "ops", "", kNow).status(), "Acknowledge");
  expect_unavailable(s.Resolve(id, "ops", "", kNow).status(), "Resolve");
  expect_unavailable(s.ResolveMany(ids, "ops", notes, kNow).status(), "ResolveMany");
  DeadLetter letter;
  letter.event = "alert.opened";
  letter.url = "http://hooks.example.com/x";
  expect_unavailable(s.RecordDeadLetter(letter), "RecordDeadLetter");
  expect_unavailable(s.DeadLetters(10).status(), "DeadLetters");

  databases_->server().Start();
  // The pool fails fast for a moment after a failed connect, then connects.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<std::vector<RaiseOutcome>> again = Status::Internal("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    again = s.Raise(std::vector<Finding>{Meter("SM1", 3'000)}, kNow);
    if (again.has_value()) break;
    EXPECT_EQ(again.error().code(), StatusCode::kUnavailable) << again.error().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_FALSE((*again)[0].created);
  EXPECT_EQ((*again)[0].alert.id, id);
  EXPECT_EQ((*again)[0].alert.count, 2) << "the Raise that failed wrote nothing";
}

// serve builds its AlertManager once; in scaled mode the database may be
// down just then. The manager does not pretend nothing is open: Report
// fails until it could list the open alerts, then follows them.
TEST_F(PgAlertStoreTest, AManagerStartedWhileTheDatabaseIsDownFollowsOnceItIsBack) {
  Process p = Start(url_);
  auto raised = p.store->Raise(std::vector<Finding>{Meter("SM1", 1'000)}, kNow);
  ASSERT_TRUE(raised.has_value()) << raised.error().ToString();

  ASSERT_EQ(databases_->server().Stop(), 0);
  AlertManager manager(*p.store, nullptr, nullptr, {});
  EXPECT_FALSE(manager.AnyOpen(SourceKind::kMeter, "SM1"));
  auto refused = manager.Report({}, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager.stats().errors, 1u);

  databases_->server().Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<std::vector<size_t>> reported = Status::Internal("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    reported = manager.Report({}, {});
    if (reported.has_value()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(reported.has_value()) << reported.error().ToString();
  EXPECT_TRUE(manager.AnyOpen(SourceKind::kMeter, "SM1")) << "followed once listed";
}

}  // namespace
}  // namespace metrify::alerts
