#include "simulate/simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "common/strings.h"
#include "parse/timestamp.h"

namespace metrify::simulate {
namespace {

// Keeps what a simulation sends, per file it would write.
class CollectingSink : public Sink {
 public:
  Status Begin(const Fleet& fleet) override {
    fleet_meters = fleet.meters;
    return Status::Ok();
  }
  Status Rows(model::SeriesKind kind, std::string_view entity, int64_t day,
              std::string_view text) override {
    files[std::to_string(static_cast<int>(kind)) + "/" + std::string(entity) + "/" +
          std::to_string(day)] += text;
    return Status::Ok();
  }
  Status Finish(const Fleet& fleet, const std::vector<Fault>& faults) override {
    faults_csv = FaultsCsv(fleet, faults);
    return Status::Ok();
  }
  std::vector<SimMeter> fleet_meters;
  std::map<std::string, std::string> files;
  std::string faults_csv;
};

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kJan13 = 1736726400000;  // 2025-01-13T00:00:00Z, a Monday

SimulationOptions Options(int meters, int64_t start, int64_t end, double faults) {
  SimulationOptions o;
  o.fleet.meters = meters;
  o.fleet.seed = 42;
  o.start_ms = start;
  o.end_ms = end;
  o.fault_rate = faults;
  return o;
}

struct Reading {
  std::string meter;
  int64_t t;
  double energy, reg;
};

std::vector<Reading> ReadingsOf(const CollectingSink& sink) {
  std::vector<Reading> out;
  for (const auto& [name, text] : sink.files) {
    if (!name.starts_with(std::to_string(static_cast<int>(model::SeriesKind::kReading)))) continue;
    for (std::string_view line : Split(text, '\n')) {
      if (line.empty()) continue;
      std::vector<std::string_view> cells = Split(line, ',');
      out.push_back({std::string(cells[0]), *parse::ParseTimestamp(cells[1]),
                     std::stod(std::string(cells[3])), std::stod(std::string(cells[5]))});
    }
  }
  return out;
}

TEST(Simulator, SameSeedSameBytesOtherSeedOtherBytes) {
  CollectingSink a, b, c;
  SimulationOptions o = Options(300, kJan13, kJan13 + 2 * kDay, 0.05);
  ASSERT_TRUE(Simulate(o, a).has_value());
  o.threads = 1;  // and the thread count changes nothing
  ASSERT_TRUE(Simulate(o, b).has_value());
  EXPECT_EQ(a.files, b.files);
  EXPECT_EQ(a.faults_csv, b.faults_csv);
  o.fleet.seed = 43;
  ASSERT_TRUE(Simulate(o, c).has_value());
  EXPECT_NE(a.files, c.files);
}

TEST(Simulator, RegistersAddUpTheIntervalsExactly) {
  CollectingSink sink;
  ASSERT_TRUE(Simulate(Options(200, kJan13, kJan13 + 3 * kDay, 0), sink).has_value());
  std::map<std::string, std::vector<Reading>> by_meter;
  for (const Reading& r : ReadingsOf(sink)) by_meter[r.meter].push_back(r);
  ASSERT_EQ(by_meter.size(), 200u);
  for (auto& [meter, rows] : by_meter) {
    std::sort(rows.begin(), rows.end(), [](auto& x, auto& y) { return x.t < y.t; });
    ASSERT_EQ(rows.size(), 3u * 96) << meter;
    for (size_t i = 1; i < rows.size(); ++i) {
      const int64_t diff = std::llround((rows[i].reg - rows[i - 1].reg) * 1000);
      const int64_t energy = std::llround(rows[i].energy * 1000);
      EXPECT_EQ((diff + 100'000'000) % 100'000'000, energy) << meter << " at " << rows[i].t;
    }
  }
}

TEST(Simulator, AYearOfEachProfileMatchesTheDeclaredEnergyWithinOnePercent) {
  SimulationOptions o = Options(40, 1735689600000, 1767225600000, 0);  // 2025
  o.fleet.prosumer_share = 0;
  CollectingSink sink;
  ASSERT_TRUE(Simulate(o, sink).has_value());
  std::map<std::string, double> total;
  for (const Reading& r : ReadingsOf(sink)) total[r.meter] += r.energy;
  ASSERT_EQ(total.size(), 40u);
  std::set<std::string> profiles;
  for (const SimMeter& m : sink.fleet_meters) {
    profiles.insert(m.profile);
    EXPECT_NEAR(total[m.meter.id], m.annual_kwh, 0.01 * m.annual_kwh)
        << m.meter.id << " (" << m.profile << ")";
  }
  EXPECT_GE(profiles.size(), 2u);
}

// A clock that jumps to whatever the simulator waits for, until `stop_at`.
class SteppingClock : public LiveClock {
 public:
  SteppingClock(int64_t now, int64_t stop_at) : now_(now), stop_at_(stop_at) {}
  int64_t Now() override { return now_; }
  bool WaitUntil(int64_t t) override {
    if (t > stop_at_) return false;
    now_ = t;
    return true;
  }
  bool Stopped() override { return false; }

 private:
  int64_t now_, stop_at_;
};

// Lines of each file, sorted: a live run sends quarter hour by quarter hour
// what a backfill sends day by day.
std::map<std::string, std::vector<std::string>> SortedLines(const CollectingSink& sink) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [name, text] : sink.files) {
    for (std::string_view line : Split(text, '\n')) {
      if (!line.empty()) out[name].emplace_back(line);
    }
    std::sort(out[name].begin(), out[name].end());
  }
  return out;
}

// Checks, as rows arrive, that no reading on the quarter-hour grid is sent
// before the clock has passed its timestamp (drifted ones run ahead).
class RealTimeSink : public CollectingSink {
 public:
  explicit RealTimeSink(const LiveClock& clock) : clock_(clock) {}
  Status Rows(model::SeriesKind kind, std::string_view entity, int64_t day,
              std::string_view text) override {
    if (kind == model::SeriesKind::kReading) {
      for (std::string_view line : Split(text, '\n')) {
        if (line.empty()) continue;
        const int64_t t = *parse::ParseTimestamp(Split(line, ',')[1]);
        if (t % 900'000 == 0 && t > const_cast<LiveClock&>(clock_).Now()) ++early;
      }
    }
    ++calls;
    return CollectingSink::Rows(kind, entity, day, text);
  }
  int early = 0, calls = 0;

 private:
  const LiveClock& clock_;
};

TEST(Simulator, ALiveRunSendsWhatABackfillOfItsRangeSends) {
  const int64_t now = kJan13 + kDay + 5 * 3'600'000;       // backfilled
  const int64_t stop = kJan13 + 2 * kDay + 7 * 3'600'000;  // then 106 quarter hours live
  SteppingClock clock(now, stop);
  SimulationOptions live = Options(150, kJan13, 0, 0.1);
  live.live = &clock;
  RealTimeSink live_sink(clock);
  Result<SimulationSummary> a = Simulate(live, live_sink);
  ASSERT_TRUE(a.has_value()) << a.status().ToString();
  EXPECT_EQ(a->end_ms, stop);
  EXPECT_EQ(live_sink.early, 0);
  EXPECT_GT(live_sink.calls, 106);  // at least a call per live quarter hour

  CollectingSink backfill_sink;
  SimulationOptions backfill = Options(150, kJan13, stop, 0.1);
  backfill.plan_until_ms = now + kDay;  // the live run's rollover horizon
  Result<SimulationSummary> b = Simulate(backfill, backfill_sink);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->readings, b->readings);
  EXPECT_EQ(a->grid_status, b->grid_status);
  EXPECT_EQ(a->observations, b->observations);
  EXPECT_EQ(live_sink.faults_csv, backfill_sink.faults_csv);
  EXPECT_GT(b->faults.size(), 10u);
  EXPECT_TRUE(SortedLines(live_sink) == SortedLines(backfill_sink));
}

TEST(Simulator, RefusesBadRanges) {
  CollectingSink sink;
  EXPECT_FALSE(Simulate(Options(1, kJan13, kJan13, 0), sink).has_value());
  EXPECT_FALSE(Simulate(Options(1, kJan13 + 60'000, kJan13 + kDay, 0), sink).has_value());
  EXPECT_FALSE(Simulate(Options(1, kJan13, kJan13 + kDay, 1.5), sink).has_value());
}

}  // namespace
}  // namespace metrify::simulate
