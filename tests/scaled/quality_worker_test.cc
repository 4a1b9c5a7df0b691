// Daily quality reports kept by `metrify worker process` (worker/quality_
// worker.h, store/postgres/pg_quality.h) against a real PostgreSQL 15: the
// worker stores closed days and not open ones, a late reading makes its day
// and the days after it dirty until a round recomputes them, the API answers
// byte for byte the same from stored days as computing them, and falls back
// to computing for a changed rule setting, a dirty mark or a day not stored;
// two replicas share the marks without overlap. The DISABLED_ measurement
// prints the marking cost of docs/scaled.md "Quality reports".
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "api/router.h"
#include "api/series_routes.h"
#include "common/time.h"
#include "ingest/entity_keys.h"
#include "ingest/ingest_service.h"
#include "registry/registry.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_quality.h"
#include "store/postgres/pg_registry.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_store.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"
#include "vee/local_clock.h"
#include "vee/overlay.h"
#include "vee/pg_edit_log.h"
#include "worker/quality_worker.h"

namespace metrify::worker {
namespace {

using engine::wal::WalSample;
using model::SeriesKind;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kQuarter = 900'000;

WalSample Reading(uint32_t key, int64_t ts, double kwh) {
  WalSample s;
  s.entity_key = key;
  s.timestamp_ms = ts;
  s.interval_s = 900;
  s.values.fill(NAN);
  s.values[0] = kwh;
  s.present = 1;
  return s;
}

// The first day's "measured" count in a meter's report.
int64_t Measured(const std::string& body) {
  const size_t at = body.find("\"measured\":");
  return at == std::string::npos ? -1 : std::stoll(body.substr(at + 11));
}

std::string Date(int64_t day) {
  const int64_t ms = day * kDay;
  return FormatRfc3339(ms).substr(0, 10);
}

class QualityWorkerTest : public test::PgSchemaTest {
 protected:
  QualityWorkerTest() { pool_connections_ = 8; }
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (HasFatalFailure()) return;
    auto reg = store::PgRegistry::Open(*pool_);
    ASSERT_TRUE(reg.has_value()) << reg.error().ToString();
    pg_registry_ = std::move(reg).value();
    registry_ = std::make_unique<registry::Registry>(*pg_registry_);
    keys_ = std::make_unique<ingest::EntityKeys>(*pg_registry_);
    auto edits = vee::PgEditLog::Open(*pool_);
    ASSERT_TRUE(edits.has_value()) << edits.error().ToString();
    edits_ = std::move(edits).value();
    ingest_ = std::make_unique<ingest::IngestService>(*store_, *keys_, *registry_, false);
    backend_ = std::make_unique<api::SeriesBackend>(
        api::SeriesBackend{*store_, *keys_, *ingest_, *registry_});
    backend_->rules = &rules_;
    backend_->edits = edits_.get();
    quality_days_ = std::make_unique<store::PgQualityDays>(*pool_);
    api::AddQualityRoutes(router_, *backend_);
    today_ = FloorDiv(NowMillis(), kDay);
    base_ = today_ - 12;
  }
  void TearDown() override {
    router_ = api::Router();
    edits_.reset();
  }

  uint32_t CreateMeter(const std::string& id, const std::string& zone,
                       const std::string& installed) {
    model::FieldValues values = {{"id", id}, {"timezone", zone}};
    if (!installed.empty()) values.emplace_back("installation_date", installed);
    auto created = registry_->Create<model::Meter>(values);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    EXPECT_TRUE(keys_->Load().ok());
    auto key = keys_->Find(SeriesKind::kReading, id);
    EXPECT_TRUE(key.has_value() && key->has_value());
    return key.has_value() && key->has_value() ? **key : 0;
  }
  void Store(SeriesKind kind, const std::vector<WalSample>& samples) {
    for (size_t i = 0; i < samples.size(); i += 20000) {
      std::span<const WalSample> part(samples.data() + i,
                                      std::min<size_t>(20000, samples.size() - i));
      auto stored = store_->Append(kind, part);
      ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
    }
  }
  // Quarter hours of [from, to) with a daily pattern; `skip` leaves gaps.
  std::vector<WalSample> Quarters(uint32_t key, int64_t from, int64_t to, double scale = 1,
                                  const std::function<bool(int64_t)>& skip = {}) {
    std::vector<WalSample> out;
    for (int64_t ts = from + kQuarter; ts <= to; ts += kQuarter) {
      if (skip && skip(ts)) continue;
      out.push_back(
          Reading(key, ts, scale * (0.2 + 0.001 * static_cast<double>((ts / kQuarter) % 96))));
    }
    return out;
  }
  // Three meters over [base, today): SMQ1 Berlin (installed on base, a gap
  // of 4 hours on base + 3, one value VEE refused and estimated, a day of 5x
  // energy on base + 10), SMQ2 New York without installation date (a gap
  // with estimates), SMQ3 Berlin with no data at all.
  void Fleet() {
    k1_ = CreateMeter("SMQ1", "Europe/Berlin", Date(base_));
    k2_ = CreateMeter("SMQ2", "America/New_York", "");
    k3_ = CreateMeter("SMQ3", "Europe/Berlin", "");
    const int64_t gap_from = (base_ + 3) * kDay + 10 * 3'600'000;
    // Berlin's day D runs from D - 1 22:00 or 23:00 UTC: the 5x day is
    // shifted by those hours, as its quarter hours are whole Berlin days.
    const int64_t high_from = (base_ + 10) * kDay - 2 * 3'600'000;
    const int64_t high_to = (base_ + 11) * kDay;
    std::vector<WalSample> r1 = Quarters(k1_, base_ * kDay, high_from, 1, [&](int64_t ts) {
      return ts > gap_from && ts <= gap_from + 4 * 3'600'000;
    });
    for (WalSample& s : Quarters(k1_, high_from, high_to, 5)) r1.push_back(s);
    for (WalSample& s : Quarters(k1_, high_to, NowMillis() - 3'600'000)) {
      r1.push_back(s);
    }
    const int64_t spike = (base_ + 5) * kDay + 12 * 3'600'000;
    for (WalSample& s : r1) {
      if (s.timestamp_ms == spike) s.values[0] = 40;
    }
    Store(SeriesKind::kReading, r1);
    const int64_t gap2 = (base_ + 6) * kDay + 15 * 3'600'000;
    Store(SeriesKind::kReading,
          Quarters(k2_, base_ * kDay + 5 * 3'600'000, NowMillis() - 3'600'000, 1,
                   [&](int64_t ts) { return ts > gap2 && ts <= gap2 + 3'600'000; }));
    std::vector<WalSample> overlay;
    vee::ValidatedInterval refused;
    refused.status = vee::ValueStatus::kEstimated;
    refused.rule = vee::RuleId::kLinear;
    refused.fired = 1u << static_cast<int>(vee::RuleId::kSpike);
    refused.energy_kwh = 0.45;
    overlay.push_back(vee::ToOverlay(k1_, 900, refused, 40));
    overlay.back().timestamp_ms = spike;
    for (int64_t ts = gap2 + kQuarter; ts <= gap2 + 3'600'000; ts += kQuarter) {
      vee::ValidatedInterval estimate;
      estimate.status = vee::ValueStatus::kEstimated;
      estimate.rule = vee::RuleId::kLinear;
      estimate.fired = 1u << static_cast<int>(vee::RuleId::kGap);
      estimate.energy_kwh = 0.3;
      overlay.push_back(vee::ToOverlay(k2_, 900, estimate, NAN));
      overlay.back().timestamp_ms = ts;
    }
    Store(SeriesKind::kVeeOverlay, overlay);
  }

  QualityWorker MakeWorker(obs::MetricsRegistry& metrics, QualityWorkerOptions options = {}) {
    options.sweep_blocks = 1000;
    return QualityWorker(*pool_, *store_, edits_.get(), *registry_, *keys_, rules_, metrics,
                         options);
  }
  // Dirty rounds until no mark is left, then one sweep of every block.
  void Settle(QualityWorker& worker) {
    for (;;) {
      Result<size_t> claims = worker.RunOnce();
      ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
      if (*claims == 0) break;
    }
    Result<size_t> swept = worker.SweepOnce();
    ASSERT_TRUE(swept.has_value()) << swept.error().ToString();
  }

  int64_t LocalToday(const std::string& zone) {
    auto clock = vee::LocalClock::For(zone);
    return clock->At(NowMillis()).day;
  }

  // The answer of GET `path`?`query`, from stored days when `stored`.
  std::string Get(const std::string& path, std::vector<std::pair<std::string, std::string>> query,
                  bool stored) {
    backend_->quality_days = stored ? quality_days_.get() : nullptr;
    http::HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.query = std::move(query);
    http::HttpResponse response = router_.Dispatch(request);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.body;
  }
  struct Ask {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
  };
  std::vector<Ask> Requests() {
    const std::string first = Date(base_ + 1), end = Date(today_ - 1);
    return {
        {"/api/v1/quality/summary", {{"start", first}, {"end", end}}},
        {"/api/v1/quality/summary", {{"start", first}, {"end", end}, {"group_by", "meter"}}},
        {"/api/v1/quality/summary", {{"end", end}, {"group_by", "meter"}}},
        {"/api/v1/quality/meters/SMQ1", {{"start", first}, {"end", end}}},
        {"/api/v1/quality/meters/SMQ2", {{"start", first}, {"end", end}}},
        {"/api/v1/quality/meters/SMQ3", {{"start", first}, {"end", end}}},
    };
  }

  std::unique_ptr<store::PgRegistry> pg_registry_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<ingest::EntityKeys> keys_;
  std::unique_ptr<vee::PgEditLog> edits_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<api::SeriesBackend> backend_;
  std::unique_ptr<store::PgQualityDays> quality_days_;
  vee::RulesConfig rules_ = vee::RulesConfig::Defaults();
  api::Router router_;
  int64_t today_ = 0, base_ = 0;
  uint32_t k1_ = 0, k2_ = 0, k3_ = 0;
};

TEST_F(QualityWorkerTest, StoresClosedDaysAndRecomputesWhatALateReadingChanges) {
  Fleet();
  EXPECT_GT(Count("SELECT count(*) FROM quality_dirty"), 0) << "ingest marked the hours";
  obs::MetricsRegistry metrics;
  QualityWorker worker = MakeWorker(metrics);
  Settle(worker);
  EXPECT_EQ(Count("SELECT count(*) FROM quality_dirty"), 0);
  const int64_t berlin_today = LocalToday("Europe/Berlin");
  const int64_t ny_today = LocalToday("America/New_York");
  // Closed days, the sweep's 40 of every meter (the silent one too), not today.
  for (uint32_t key : {k1_, k2_, k3_}) {
    const int64_t today = key == k2_ ? ny_today : berlin_today;
    EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM quality_daily WHERE meter_key = {} AND day "
                                ">= {} AND day < {}",
                                key, today - 40, today)),
              40)
        << key;
    EXPECT_EQ(
        Count(fmt::format("SELECT count(*) FROM quality_daily WHERE meter_key = {} AND day >= {}",
                          key, today)),
        0)
        << "today is open";
  }
  EXPECT_GT(worker.stats().days, 0u);

  // A late reading in SMQ1's gap: its day and the 14 after it (history) are
  // dirty until a round recomputes them, and only those.
  const int64_t late_day = base_ + 3;
  const int64_t late_ts =
      late_day * kDay + 12 * 3'600'000;  // 13:00 in Berlin (winter or summer: same day)
  const std::string before =
      "SELECT day, encode(figures, 'hex') || computed_at::text FROM quality_daily"
      " WHERE meter_key = " +
      std::to_string(k1_) + " ORDER BY day";
  auto old_rows = db_->Query(before);
  ASSERT_TRUE(old_rows.has_value());
  const std::string day_before =
      Get("/api/v1/quality/meters/SMQ1", {{"start", Date(late_day)}, {"end", Date(late_day + 1)}},
          true);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Store(SeriesKind::kReading, {Reading(k1_, late_ts, 0.5)});
  EXPECT_EQ(Count("SELECT count(*) FROM quality_dirty"), 1);
  Result<size_t> claims = worker.RunOnce();
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(*claims, 1u);
  auto new_rows = db_->Query(before);
  ASSERT_TRUE(new_rows.has_value());
  ASSERT_EQ(new_rows->size(), old_rows->size());
  std::vector<int64_t> recomputed;
  for (int i = 0; i < new_rows->size(); ++i) {
    if (new_rows->Text(i, 1) != old_rows->Text(i, 1)) recomputed.push_back(new_rows->Int(i, 0));
  }
  ASSERT_FALSE(recomputed.empty());
  EXPECT_EQ(recomputed.front(), late_day);
  EXPECT_EQ(recomputed.back(), std::min(late_day + 14, berlin_today - 1));
  EXPECT_EQ(recomputed.size(), static_cast<size_t>(recomputed.back() - late_day + 1));
  // The day itself now counts the reading: one more measured interval.
  const std::string after = Get("/api/v1/quality/meters/SMQ1",
                                {{"start", Date(late_day)}, {"end", Date(late_day + 1)}}, true);
  EXPECT_EQ(Measured(after), Measured(day_before) + 1) << day_before << "\n" << after;
  EXPECT_EQ(after, Get("/api/v1/quality/meters/SMQ1",
                       {{"start", Date(late_day)}, {"end", Date(late_day + 1)}}, false));
}

TEST_F(QualityWorkerTest, ApiAnswersFromStoredDaysExactlyAsComputingThem) {
  Fleet();
  obs::MetricsRegistry metrics;
  QualityWorker worker = MakeWorker(metrics);
  Settle(worker);
  std::vector<std::string> stored_answers;
  for (const Ask& ask : Requests()) {
    const std::string stored = Get(ask.path, ask.query, true);
    const std::string live = Get(ask.path, ask.query, false);
    EXPECT_EQ(stored, live) << ask.path;
    stored_answers.push_back(stored);
  }
  // The fleet has what the test means to compare: estimates, a day that
  // fired daily_high, gaps, a meter without data.
  EXPECT_NE(stored_answers[1].find("\"days_high\":1"), std::string::npos) << stored_answers[1];
  EXPECT_NE(stored_answers[1].find("\"methods\":{\"linear\":"), std::string::npos);
  EXPECT_NE(stored_answers[1].find("\"meters_without_data\":1"), std::string::npos);

  // Readings gone behind the worker's back (no marks): the stored answer is
  // unchanged, which shows it came from the stored days ...
  ASSERT_TRUE(db_->Exec("DELETE FROM readings WHERE meter_key = " + std::to_string(k1_)).ok());
  const std::vector<Ask> asks = Requests();
  for (size_t i = 0; i < asks.size(); ++i) {
    EXPECT_EQ(Get(asks[i].path, asks[i].query, true), stored_answers[i]) << asks[i].path;
  }
  EXPECT_NE(Get(asks[0].path, asks[0].query, false), stored_answers[0]);
  // ... a dirty mark of SMQ1's block in range makes it computed ...
  const int64_t hour = (base_ + 4) * kDay;
  ASSERT_TRUE(
      db_->Exec(fmt::format("INSERT INTO quality_dirty VALUES ({}, {})", k1_ / 64, hour)).ok());
  EXPECT_EQ(Get(asks[3].path, asks[3].query, true), Get(asks[3].path, asks[3].query, false));
  EXPECT_NE(Get(asks[3].path, asks[3].query, true), stored_answers[3]);
  ASSERT_TRUE(db_->Exec("DELETE FROM quality_dirty").ok());
  EXPECT_EQ(Get(asks[3].path, asks[3].query, true), stored_answers[3]);
  // ... and so does a changed rule setting (another fingerprint).
  auto changed = vee::RulesConfig::Parse("defaults:\n  daily_high:\n    factor: 2.5\n", "r.yaml");
  ASSERT_TRUE(changed.has_value()) << changed.error().ToString();
  rules_ = *changed;
  for (const Ask& ask : asks) {
    EXPECT_EQ(Get(ask.path, ask.query, true), Get(ask.path, ask.query, false)) << ask.path;
  }
  EXPECT_NE(Get(asks[3].path, asks[3].query, true), stored_answers[3]);
}

TEST_F(QualityWorkerTest, TwoReplicasShareTheMarksWithoutOverlap) {
  // 200 meters in 4 blocks, 3 days each.
  std::vector<WalSample> all;
  for (int m = 0; m < 200; ++m) {
    const uint32_t key = CreateMeter(fmt::format("SMR{:03}", m), "Europe/Berlin", "");
    for (WalSample& s : Quarters(key, (today_ - 4) * kDay, (today_ - 1) * kDay)) all.push_back(s);
  }
  Store(SeriesKind::kReading, all);
  const int64_t backlog = Count("SELECT count(*) FROM quality_dirty");
  ASSERT_GE(backlog, 4 * 72);
  obs::MetricsRegistry metrics[2];
  std::optional<QualityWorker> workers[2];
  for (int w = 0; w < 2; ++w) {
    workers[w].emplace(*pool_, *store_, edits_.get(), *registry_, *keys_, rules_, metrics[w],
                       QualityWorkerOptions{.max_claims = 20});
  }
  std::thread replicas[2];
  for (int w = 0; w < 2; ++w) {
    replicas[w] = std::thread([&, w] {
      for (int idle = 0; idle < 3;) {
        Result<size_t> claims = workers[w]->RunOnce();
        ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
        idle = *claims == 0 ? idle + 1 : 0;
      }
    });
  }
  for (auto& t : replicas) t.join();
  EXPECT_EQ(Count("SELECT count(*) FROM quality_dirty"), 0);
  EXPECT_GT(workers[0]->stats().claims, 0u) << "both replicas worked";
  EXPECT_GT(workers[1]->stats().claims, 0u) << "both replicas worked";
  EXPECT_EQ(workers[0]->stats().claims + workers[1]->stats().claims, static_cast<uint64_t>(backlog))
      << "no mark claimed twice";
  // The closed days they stored are those a single computation gives.
  const std::vector<std::pair<std::string, std::string>> query = {
      {"start", Date(today_ - 4)}, {"end", Date(today_ - 1)}, {"group_by", "meter"}};
  EXPECT_EQ(Get("/api/v1/quality/summary", query, true),
            Get("/api/v1/quality/summary", query, false));
  EXPECT_GT(Count("SELECT count(*) FROM quality_daily"), 200 * 2);
}

// Marking's cost on the ingest path: 20,000 readings of 2,000 meters (10
// quarter hours each) per batch, as docs/scaled.md reports it.
TEST_F(QualityWorkerTest, DISABLED_MeasureMarking) {
  std::vector<WalSample> batch;
  for (uint32_t m = 1; m <= 2000; ++m) {
    for (int q = 1; q <= 10; ++q) batch.push_back(Reading(m, today_ * kDay + q * kQuarter, 0.1));
  }
  for (int round = 0; round < 2; ++round) {
    const int runs = 20;
    double quality = 0, rollups = 0;
    for (int r = 0; r < runs; ++r) {
      for (WalSample& s : batch) s.timestamp_ms += round == 0 ? 3 * 3'600'000 : 0;
      auto t0 = std::chrono::steady_clock::now();
      ASSERT_TRUE(db_->InTransaction([&] { return store::MarkQualityDirty(*db_, batch); }).ok());
      auto t1 = std::chrono::steady_clock::now();
      ASSERT_TRUE(db_->InTransaction([&] { return store::MarkRollupsDirty(*db_, batch); }).ok());
      auto t2 = std::chrono::steady_clock::now();
      quality += std::chrono::duration<double, std::milli>(t1 - t0).count();
      rollups += std::chrono::duration<double, std::milli>(t2 - t1).count();
    }
    fmt::print("{}: quality marks {:.2f} ms per batch, rollup marks {:.2f} ms\n",
               round == 0 ? "new hours" : "hours dirty already", quality / runs, rollups / runs);
  }
}

}  // namespace
}  // namespace metrify::worker
