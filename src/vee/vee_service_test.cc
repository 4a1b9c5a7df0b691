#include "vee/vee_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "store/engine/engine_test_support.h"
#include "store/engine/wal/wal_test_support.h"
#include "vee/overlay.h"

namespace metrify::vee {
namespace {

using engine::wal::WalSample;
using engine::wal::test_support::TempDir;

constexpr int64_t kQ = 900'000;
constexpr int64_t kT0 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr uint32_t kMeter = 7;

// A meter drawing `kwh(i)` in interval i (ending at kT0 + i quarter hours),
// its register counting from 1000 kWh.
struct Truth {
  std::vector<double> kwh;
  WalSample At(int i) const {
    double reg = 1000;
    for (int k = 1; k <= i; ++k) reg += kwh[k];
    WalSample s;
    s.entity_key = kMeter;
    s.timestamp_ms = kT0 + i * kQ;
    s.interval_s = 900;
    s.values[0] = kwh[i];
    s.values[2] = std::round(reg * 1000) / 1000;
    s.present = 0b101;
    return s;
  }
};

// The only meter the tests know (kMeter).
std::optional<MeterInfo> LookUp(uint32_t key) {
  if (key != kMeter) return std::nullopt;
  MeterInfo meter;
  meter.id = "SM7";
  meter.register_digits = 8;
  meter.register_decimals = 3;
  return meter;
}

int64_t TenDaysOn() { return kT0 + 10 * int64_t{86'400'000}; }

std::unique_ptr<engine::ReadingsEngine> OpenEngine(const TempDir& dir) {
  auto opened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir.path(),
                                             engine::test_support::ManualFlushOptions());
  EXPECT_TRUE(opened.has_value());
  return opened ? std::move(*opened) : nullptr;
}

// The engine as PostgreSQL looks to VEE (RemoteReads: VEE keeps copies of
// what arrives), counting the reads of raw readings.
class ReadCountingStore : public store::SeriesStore {
 public:
  explicit ReadCountingStore(store::SeriesStore& inner) : inner_(inner) {}
  Result<store::AppendCounts> Append(model::SeriesKind kind,
                                     std::span<const WalSample> samples) override {
    return inner_.Append(kind, samples);
  }
  Status ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                    std::vector<engine::HeadSample>* out, uint16_t fields) const override {
    if (key.kind == model::SeriesKind::kReading) ++reading_reads;
    return inner_.ReadLatest(key, start_ms, end_ms, out, fields);
  }
  Result<std::optional<engine::HeadSample>> Latest(engine::SeriesKey key) const override {
    return inner_.Latest(key);
  }
  bool RemoteReads() const override { return true; }
  int32_t RetentionCutoffDay() const override { return inner_.RetentionCutoffDay(); }

  mutable std::atomic<int> reading_reads{0};

 private:
  store::SeriesStore& inner_;
};

class VeeServiceTest : public ::testing::Test {
 protected:
  VeeServiceTest() {
    engine_ = OpenEngine(dir_);
    vee_ = std::make_unique<VeeService>(*engine_, LookUp, RulesConfig::Defaults(), TenDaysOn);
    for (int i = 0; i <= 400; ++i) truth_.kwh.push_back(0.1 + 0.05 * (i % 4));
  }

  // Stores readings `first`..`last` of the truth (skipping `skip`) and
  // tells VEE, as the ingest path does.
  void Send(int first, int last, std::initializer_list<int> skip = {},
            std::map<int, double> energy = {}) {
    std::vector<WalSample> batch;
    for (int i = first; i <= last; ++i) {
      if (std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
      WalSample s = truth_.At(i);
      if (auto it = energy.find(i); it != energy.end()) s.values[0] = it->second;
      batch.push_back(s);
    }
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    vee_->Observe(batch);
    vee_->Drain();
  }

  // A service with settle time `settle_ms` on a clock the test moves.
  std::shared_ptr<std::atomic<int64_t>> SettlingOnAMovedClock(int64_t settle_ms) {
    auto wall = std::make_shared<std::atomic<int64_t>>(TenDaysOn());
    vee_ = std::make_unique<VeeService>(*engine_, LookUp, RulesConfig::Defaults(),
                                        [wall] { return wall->load(); });
    vee_->set_settle_ms(settle_ms);
    return wall;
  }

  // Stores readings `first`..`last` (but `skip`), tells VEE and waits for
  // the window that follows; Drain would wait for the settle time, which a
  // moved clock may never pass.
  void ObserveAndWait(int first, int last, std::initializer_list<int> skip) {
    std::vector<WalSample> batch;
    for (int i = first; i <= last; ++i) {
      if (std::find(skip.begin(), skip.end(), i) == skip.end()) batch.push_back(truth_.At(i));
    }
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    const uint64_t windows = vee_->stats().windows;
    vee_->Observe(batch);
    while (vee_->stats().windows == windows)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::map<int, ValidatedInterval> Overlay() {
    std::vector<engine::HeadSample> rows;
    EXPECT_TRUE(engine_
                    ->ReadLatest({model::SeriesKind::kVeeOverlay, kMeter}, 0,
                                 kT0 + 30 * int64_t{86'400'000}, &rows)
                    .ok());
    std::map<int, ValidatedInterval> out;
    for (const auto& s : rows) out[static_cast<int>((s.timestamp_ms - kT0) / kQ)] = FromOverlay(s);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
  std::unique_ptr<VeeService> vee_;
  Truth truth_;
};

TEST_F(VeeServiceTest, CleanReadingsLeaveNoOverlay) {
  for (int i = 1; i <= 96; i += 8) Send(i, i + 7);
  EXPECT_TRUE(Overlay().empty());
  EXPECT_GT(vee_->stats().windows, 0u);
  EXPECT_EQ(vee_->stats().errors, 0u);
}

TEST_F(VeeServiceTest, GapsAndSpikesAreEstimatedFromTheRegisters) {
  Send(1, 40, {10, 11, 12}, {{20, 4.0}});
  std::map<int, ValidatedInterval> overlay = Overlay();
  EXPECT_EQ(vee_->stats().errors, 0u);
  for (int i : {10, 11, 12}) {
    ASSERT_TRUE(overlay.contains(i)) << i;
    EXPECT_EQ(overlay[i].status, ValueStatus::kEstimated);
    EXPECT_EQ(overlay[i].rule, RuleId::kRegisterSpread);
  }
  double gap = 0, truth = 0;
  for (int i : {10, 11, 12}) gap += overlay[i].energy_kwh, truth += truth_.kwh[i];
  EXPECT_NEAR(gap, truth, 1e-9);
  ASSERT_TRUE(overlay.contains(20));
  EXPECT_EQ(overlay[20].status, ValueStatus::kEstimated);
  EXPECT_TRUE(overlay[20].fired & (1u << static_cast<int>(RuleId::kSpike)));
  EXPECT_NEAR(overlay[20].energy_kwh, truth_.kwh[20], 1e-9);
  EXPECT_EQ(overlay.size(), 4u + overlay.count(21)) << "nothing else differs from raw";
}

TEST_F(VeeServiceTest, TheOverlayOutlivesAFlushAndARestart) {
  Send(1, 40, {10});
  const std::map<int, ValidatedInterval> before = Overlay();
  ASSERT_TRUE(before.contains(10));
  vee_.reset();
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  auto reopened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir_.path(),
                                               engine::test_support::ManualFlushOptions());
  ASSERT_TRUE(reopened.has_value()) << reopened.status().ToString();
  engine_ = std::move(*reopened);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/vee_overlay"));
  const std::map<int, ValidatedInterval> after = Overlay();
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after.at(10).status, ValueStatus::kEstimated);
  EXPECT_DOUBLE_EQ(after.at(10).energy_kwh, before.at(10).energy_kwh);
}

TEST_F(VeeServiceTest, ALateReadingReplacesItsEstimate) {
  Send(1, 30, {10});
  Send(31, 60);
  ASSERT_EQ(Overlay()[10].status, ValueStatus::kEstimated);
  Send(10, 10);
  std::map<int, ValidatedInterval> overlay = Overlay();
  EXPECT_EQ(overlay[10].status, ValueStatus::kMeasured);
  EXPECT_DOUBLE_EQ(overlay[10].energy_kwh, truth_.kwh[10]);
  EXPECT_EQ(overlay[10].late_by_s, 50 * 900) << "it came after reading 60";
  EXPECT_EQ(vee_->stats().rewinds, 1u);
}

// Readings sent together over several connections arrive out of order: a
// backfill's gap, overdue by the clock at once, waits for the settle time
// instead of being estimated, withdrawn and its day validated again.
TEST_F(VeeServiceTest, AReadingArrivingOutOfOrderWithinTheSettleTimeMakesNoEstimate) {
  std::shared_ptr<std::atomic<int64_t>> wall = SettlingOnAMovedClock(1000);
  auto observe = [this](int first, int last, std::initializer_list<int> skip) {
    ObserveAndWait(first, last, skip);
  };
  // Readings 11 to 20 are less than due_after_hours (4 h) of data past 10.
  observe(1, 20, {10});
  EXPECT_FALSE(Overlay().contains(10)) << "not estimated while 11 to 20 settle";
  EXPECT_GT(vee_->stats().dirty_meters, 0u) << "to be validated again once settled";
  observe(10, 10, {});
  *wall += 1001;
  vee_->Drain();
  EXPECT_FALSE(Overlay().contains(10)) << "measured: nothing differs from the raw reading";
  EXPECT_EQ(vee_->stats().rewinds, 0u);
  // A gap that stays one is estimated once its readings have settled,
  // without new data.
  observe(21, 50, {45});
  EXPECT_FALSE(Overlay().contains(45));
  *wall += 1001;
  vee_->Drain();
  std::map<int, ValidatedInterval> overlay = Overlay();
  ASSERT_TRUE(overlay.contains(45));
  EXPECT_EQ(overlay[45].status, ValueStatus::kEstimated);
  EXPECT_EQ(vee_->stats().dirty_meters, 0u);
  EXPECT_EQ(vee_->stats().errors, 0u);
}

// A backfill keeps bringing fresh gaps, each waiting for the readings
// after it to settle. The count the worker commits Kafka offsets by must
// follow the oldest observation a gap still waits on, or it would stand
// still until the backfill pauses.
TEST_F(VeeServiceTest, ValidatedThroughFollowsTheOldestObservationAGapWaitsOn) {
  std::shared_ptr<std::atomic<int64_t>> wall = SettlingOnAMovedClock(1000);
  auto observe = [this](int first, int last, std::initializer_list<int> skip) {
    ObserveAndWait(first, last, skip);
  };
  observe(1, 20, {});
  EXPECT_EQ(vee_->validated_through(), 1u);
  *wall += 100;
  observe(25, 30, {});  // call 2: 21-24 wait until 25 has settled
  EXPECT_EQ(vee_->validated_through(), 1u);
  *wall += 600;
  observe(31, 40, {35});  // call 3: and 35 until 36 has
  EXPECT_EQ(vee_->validated_through(), 1u) << "call 2's gap waits yet";
  // Call 2's observation settles; the meter is validated again by its timer.
  *wall += 400;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Overlay().contains(21) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(Overlay().contains(21)) << "21-24 estimated once 25 settled";
  EXPECT_FALSE(Overlay().contains(35)) << "36 has not settled";
  // The window's end is noted just after its overlay is stored.
  while (vee_->validated_through() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(vee_->validated_through(), 2u) << "only call 3 waits";
  *wall += 1000;
  vee_->Drain();
  EXPECT_TRUE(Overlay().contains(35));
  EXPECT_EQ(vee_->validated_through(), 3u);
}

TEST_F(VeeServiceTest, ReadingsArrivingWhileAMeterWaitsAreValidatedInOneWindow) {
  vee_->set_coalesce_ms(1000);
  for (int first : {1, 6, 11}) {
    std::vector<WalSample> batch;
    for (int i = first; i < first + 5; ++i) batch.push_back(truth_.At(i));
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    vee_->Observe(batch);
  }
  EXPECT_EQ(vee_->stats().windows, 0u) << "waiting";
  EXPECT_EQ(vee_->stats().dirty_meters, 1u);
  vee_->Drain();
  EXPECT_EQ(vee_->stats().windows, 1u);
  EXPECT_GE(vee_->stats().readings, 14u);
  EXPECT_EQ(vee_->stats().dirty_meters, 0u);
}

// The ingest worker commits Kafka offsets only as far as validated_through:
// it must not pass an observation whose meter has not had a window since,
// and must reach every observation once VEE is idle.
TEST_F(VeeServiceTest, ValidatedThroughCountsOnlyObservationsWhoseMetersHadAWindow) {
  vee_->set_coalesce_ms(2000);  // a meter observed waits (Drain waits for it)
  EXPECT_EQ(vee_->observed(), 0u);
  EXPECT_EQ(vee_->validated_through(), 0u);
  auto observe = [this](int first, int last) {
    std::vector<WalSample> batch;
    for (int i = first; i <= last; ++i) batch.push_back(truth_.At(i));
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    vee_->Observe(batch);
  };
  observe(1, 10);
  EXPECT_EQ(vee_->observed(), 1u);
  EXPECT_EQ(vee_->validated_through(), 0u) << "call 1 waits for its window";
  vee_->Drain();
  EXPECT_EQ(vee_->validated_through(), 1u);
  observe(11, 15);
  vee_->Reopen(kMeter, kT0 + 3 * kQ);
  EXPECT_EQ(vee_->observed(), 3u);
  EXPECT_EQ(vee_->validated_through(), 1u);
  vee_->Drain();
  EXPECT_EQ(vee_->validated_through(), 3u);
  EXPECT_GE(vee_->stats().windows, 2u);
}

// A meter named again while its window runs (a backfill streaming in, over
// and over): the count must move past what the window covered, or the
// worker's Kafka commits would wait for the stream to pause. Windows are
// held at their start (the meter lookup) to make the overlap certain.
TEST_F(VeeServiceTest, ValidatedThroughMovesPastWhatARunningWindowCovers) {
  MeterInfo meter;
  meter.id = "SM7";
  std::mutex mu;
  std::condition_variable changed;
  int entered = 0, permits = 0;  // guarded by mu
  VeeService vee(
      *engine_,
      [&](uint32_t) -> std::optional<MeterInfo> {
        std::unique_lock lock(mu);
        ++entered;
        changed.notify_all();
        changed.wait(lock, [&] { return permits > 0; });
        --permits;
        return meter;
      },
      RulesConfig::Defaults(), [] { return kT0 + 10 * int64_t{86'400'000}; });
  auto observe = [&](int i) {
    std::vector<WalSample> batch = {truth_.At(i)};
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    vee.Observe(batch);
  };
  auto wait_entered = [&](int n) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return entered >= n; });
  };
  auto permit = [&] {
    std::lock_guard lock(mu);
    ++permits;
    changed.notify_all();
  };
  observe(1);
  ASSERT_TRUE(wait_entered(1));  // window A covers call 1 and is held
  observe(2);                    // named while A runs
  EXPECT_EQ(vee.validated_through(), 0u);
  permit();
  ASSERT_TRUE(wait_entered(2));  // A done; window B (call 2) is held
  EXPECT_EQ(vee.validated_through(), 1u) << "what A covered";
  permit();
  vee.Drain();
  EXPECT_EQ(vee.validated_through(), 2u);
}

TEST_F(VeeServiceTest, AZeroDayFromAMeterThatUsuallyConsumesIsFlagged) {
  // Three days of normal use teach the meter's usual day (its local days
  // in between are complete); then a day of nothing.
  for (int i = 289; i <= 384; ++i) truth_.kwh[i] = 0;
  for (int day = 0; day < 4; ++day) Send(day * 96 + 1, day * 96 + 96);
  Send(385, 386);
  std::map<int, ValidatedInterval> overlay = Overlay();
  const uint32_t zero_streak = 1u << static_cast<int>(RuleId::kZeroStreak);
  EXPECT_FALSE(overlay.contains(383)) << "95 zero intervals are no streak yet";
  ASSERT_TRUE(overlay.contains(384));
  EXPECT_TRUE(overlay[384].fired & zero_streak);
  EXPECT_EQ(overlay[384].status, ValueStatus::kMeasured);
  EXPECT_EQ(vee_->stats().errors, 0u);
}

}  // namespace
}  // namespace metrify::vee

namespace metrify::vee {
namespace {

// A meter that sends no register, three weeks of a daily pattern, then a
// 4-hour gap: too long for a line, so the same weekday's quarter hours of
// the weeks before (read back from the engine) fill it.
TEST_F(VeeServiceTest, ALongGapWithoutRegistersIsFilledFromSimilarDays) {
  constexpr int kPerDay = 96, kDays = 22;
  auto kwh = [](int i) { return 0.1 + 0.02 * ((i % kPerDay) / 4 % 6); };
  const int gap_from = 21 * kPerDay + 40, gap_to = gap_from + 15;  // 16 quarter hours
  // A clock past the data: the fixture's stops at day 10.
  vee_ = std::make_unique<VeeService>(
      *engine_,
      [](uint32_t key) -> std::optional<MeterInfo> {
        if (key != kMeter) return std::nullopt;
        MeterInfo meter;
        meter.id = "SM7";
        return meter;
      },
      RulesConfig::Defaults(), [] { return kT0 + 30 * int64_t{86'400'000}; });
  for (int day = 0; day < kDays; ++day) {  // a day per batch, as a meter sends them
    std::vector<WalSample> batch;
    for (int i = day * kPerDay + 1; i <= (day + 1) * kPerDay; ++i) {
      if (i >= gap_from && i <= gap_to) continue;
      WalSample s;
      s.entity_key = kMeter;
      s.timestamp_ms = kT0 + i * kQ;
      s.interval_s = 900;
      s.values[0] = kwh(i);
      s.present = 1;
      batch.push_back(s);
    }
    ASSERT_TRUE(engine_->Append(model::SeriesKind::kReading, batch).has_value());
    vee_->Observe(batch);
    vee_->Drain();
  }
  std::map<int, ValidatedInterval> overlay = Overlay();
  for (int i = gap_from; i <= gap_to; ++i) {
    ASSERT_TRUE(overlay.contains(i)) << i;
    EXPECT_EQ(overlay[i].status, ValueStatus::kEstimated) << i;
    EXPECT_EQ(overlay[i].rule, RuleId::kSimilarDay) << i;
    EXPECT_NEAR(overlay[i].energy_kwh, kwh(i), 1e-9) << i;
  }
}

// The ingest worker learns in its transaction that the store held no
// reading of a meter before (AppendCounts::first_stored). The meter's first
// window then takes what arrived instead of reading it back, and finds the
// same: estimates, spike and all.
TEST_F(VeeServiceTest, AMeterNewToTheStoreIsValidatedWithoutReadingItBack) {
  std::vector<WalSample> batch;
  for (int i = 1; i <= 40; ++i) {
    if (i >= 10 && i <= 12) continue;
    batch.push_back(truth_.At(i));
    if (i == 20) batch.back().values[0] = 4.0;
  }
  auto validate = [&](std::span<const uint32_t> first_stored, int* reads) {
    TempDir dir;
    std::unique_ptr<engine::ReadingsEngine> engine = OpenEngine(dir);
    ReadCountingStore store(*engine);
    VeeService vee(store, LookUp, RulesConfig::Defaults(), TenDaysOn);
    EXPECT_TRUE(store.Append(model::SeriesKind::kReading, batch).has_value());
    vee.Observe(batch, first_stored);
    vee.Drain();
    EXPECT_EQ(vee.stats().errors, 0u);
    *reads = store.reading_reads.load();
    std::vector<engine::HeadSample> rows;
    EXPECT_TRUE(
        engine->ReadLatest({model::SeriesKind::kVeeOverlay, kMeter}, 0, TenDaysOn(), &rows).ok());
    std::map<int64_t, std::string> out;
    for (const auto& r : rows) {
      const ValidatedInterval v = FromOverlay(r);
      out[r.timestamp_ms] = std::to_string(static_cast<int>(v.status)) + "/" +
                            std::to_string(v.fired) + "/" + std::to_string(v.energy_kwh);
    }
    return out;
  };
  int reads_told = -1, reads_not_told = -1;
  const uint32_t meter[] = {kMeter};
  const std::map<int64_t, std::string> told = validate(meter, &reads_told);
  const std::map<int64_t, std::string> not_told = validate({}, &reads_not_told);
  EXPECT_EQ(reads_told, 0);
  EXPECT_GT(reads_not_told, 0) << "the counter counts";
  EXPECT_GE(told.size(), 4u) << "three estimates and the spike";
  EXPECT_EQ(told, not_told);
}

}  // namespace
}  // namespace metrify::vee
