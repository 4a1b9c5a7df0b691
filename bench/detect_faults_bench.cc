// detect_faults_bench: how many of the simulator's injected faults the
// detectors of issue 6 turn into alerts, how many alerts are right, and how
// often they alarm on clean data.
//
//   detect_faults_bench [--meters N] [--days D] [--start YYYY-MM-DD]
//                       [--rate RATE] [--seed S] [--warmup-days W]
//                       [--vee-threads T] [--cases K] [--json]
//
// The data: the fleet simulator (src/simulate/, docs/simulator.md) run in
// process with faults (each meter-day starts one of the ten meter fault kinds
// with probability RATE, each grid operator-day a frequency excursion with
// ten times that), meters, grid operators and weather stations. Its ground
// truth (what it writes to faults.csv) says which source and which intervals
// each fault touched.
//
// The route: serve's. The fleet is registered in a real registry.db in a
// scratch directory; the simulator runs LIVE on a stepping clock, so the rows
// come quarter hour by quarter hour as a live fleet sends them (the readings
// ending then, the late readings falling due, the grid status of its minutes,
// the observations); each Rows call is one request through the ingest CSV
// parser into a real ReadingsEngine. Readings that stored something go to a
// VeeService whose window listener is DetectionService::OnWindow (as
// `metrify serve` wires them), and every stored batch to the
// DetectionService, whose findings a real AlertManager folds into a real
// AlertStore (no webhooks; the manager sets meters FAULTY as serve's does).
// After each quarter hour the bench waits for VEE, then hands the stored
// batches to detection and waits for it (Drain, which also sweeps for
// silence), so the result does not depend on thread timing and the time
// detection takes is measured alone. VEE's clock is the quarter hour's end
// plus one quarter hour (a live server's wall clock), so gaps fall due as
// they would live. The only differences from serve: detection sees a batch
// after VEE has validated it instead of beside it, and sweeps for silence
// every quarter hour of data instead of every 30 s of wall time.
//
// The join: every alert is read back (AlertStore::List, all pages) and
// compared with the faults; see MeantKinds and WindowOf for the mapping and
// the matching windows, and PrintSummary for what is counted. A program,
// not a test.
#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alerts/alert_manager.h"
#include "alerts/alert_store.h"
#include "common/file_system.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "detect/detection_service.h"
#include "ingest/entity_keys.h"
#include "parse/sample_parser.h"
#include "registry/registry.h"
#include "simulate/simulator.h"
#include "store/engine/readings_engine.h"
#include "store/sqlite/sqlite_registry.h"
#include "vee/meter_directory.h"
#include "vee/vee_service.h"

namespace metrify::detect {
namespace {

using Clock = std::chrono::steady_clock;
using alerts::Alert;
using alerts::SourceKind;
using model::SeriesKind;
using simulate::Fault;
using simulate::FaultKind;

constexpr int64_t kQuarterMs = 900'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kKinds = 11;  // FaultKind values

struct Options {
  int meters = 1000;
  // Six weeks: the consumption detector's hour-of-week baseline needs two
  // weeks of history before it judges (the warm-up below).
  int days = 42;
  std::string start = "2025-01-13";  // a Monday, no DST change in six weeks
  double rate = 0.05;                // about 200 faults of each meter kind by default
  uint64_t seed = 1;
  int warmup_days = 14;
  int vee_threads = 0;  // 0: one per core
  int cases = 0;        // misses and false alarms to show per kind / rule
  bool json = false;
  // Where the engine and registry.db go: tmpfs by default, so the run
  // measures detection, not the disk's fsyncs (one per request and per
  // alert batch, as serve does them).
  std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "detect_faults_bench: {}\n", s.ToString());
  std::exit(1);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A directory under /tmp, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string pattern = parent + "/detect-faults-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) Check(Status::IOError("mkdtemp failed"));
    path_ = pattern;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The simulated present of a live run that steps one quarter hour per
// WaitUntil, as fast as the sink takes the rows, up to `end_ms`.
class SteppingClock : public simulate::LiveClock {
 public:
  SteppingClock(int64_t start_ms, int64_t end_ms) : now_(start_ms), end_(end_ms) {}
  int64_t Now() override { return now_; }
  bool WaitUntil(int64_t t) override {
    if (t > end_) return false;
    now_ = std::max(now_, t);
    return true;
  }
  bool Stopped() override { return false; }

 private:
  int64_t now_, end_;
};

// Timings and counts of the run.
struct RunStats {
  int64_t requests = 0, readings = 0, grid_status = 0, observations = 0;
  int64_t slots = 0;
  double detect_s = 0;  // Observe + Drain of detection, VEE idle
  double vee_s = 0;     // VEE's Drain
  double store_s = 0;   // parse + engine appends
};

// The platform of `metrify serve` without HTTP: registry, engine, VEE,
// detection and alerts in a scratch directory.
class Platform {
 public:
  Platform(const simulate::Fleet& fleet, const std::string& dir, int vee_threads,
           std::atomic<int64_t>& vee_now)
      : fleet_(fleet), dir_(dir) {
    auto registry_store = store::SqliteRegistry::Open(dir_.path());
    Check(registry_store.status());
    registry_store_ = std::move(*registry_store);
    registry_ = std::make_unique<registry::Registry>(*registry_store_);
    Register();
    keys_ = std::make_unique<ingest::EntityKeys>(*registry_store_);
    Check(keys_->Load());
    keys_->Follow(*registry_);
    directory_ = std::make_unique<vee::MeterDirectory>(*registry_, *keys_);
    auto engine = engine::ReadingsEngine::Open(FileSystem::Posix(), dir_.path() + "/readings");
    Check(engine.status());
    engine_ = std::move(*engine);

    auto store = alerts::AlertStore::Open(registry_store_->path());
    Check(store.status());
    store_ = std::move(*store);
    Result<DetectRules> rules = LoadDetectRules();
    Check(rules.status());
    rules_ = *rules;
    alerts::AlertManagerOptions manager;
    manager.clear_for_ms = [auto_resolve = rules_.auto_resolve](std::string_view type) {
      return auto_resolve.ForType(type);
    };
    manager_ = std::make_unique<alerts::AlertManager>(*store_, registry_.get(), nullptr, manager);
    DetectionService::Options detection;
    detection.rules = rules_;
    detection.sweep_every = std::chrono::hours(24);  // the bench sweeps with each Drain
    detection.meter_info = [this](uint32_t key) { return directory_->Lookup(key); };
    detection_ = std::make_unique<DetectionService>(*keys_, *registry_, *manager_, detection);

    vee_ = std::make_unique<vee::VeeService>(
        *engine_, [this](uint32_t key) { return directory_->Lookup(key); },
        vee::RulesConfig::Defaults(), [&vee_now] { return vee_now.load(); }, vee_threads);
    vee_->set_window_listener(
        [detection = detection_.get()](uint32_t key, const vee::MeterInfo& meter,
                                       std::span<const vee::ValidatedInterval> rows) {
          detection->OnWindow(key, meter, rows);
        });
  }

  ~Platform() {
    vee_.reset();  // before detection: it tells detection of its windows
    detection_->Drain();
    detection_.reset();
    manager_.reset();
    store_.reset();
    Check(engine_->Close());
    engine_.reset();
  }

  // One quarter hour's requests: stored, validated, then judged.
  void Slot(std::vector<std::pair<SeriesKind, std::string>>& requests, RunStats& stats) {
    const Clock::time_point t0 = Clock::now();
    std::vector<std::pair<SeriesKind, std::vector<engine::wal::WalSample>>> stored;
    for (auto& [kind, body] : requests) {
      std::vector<engine::wal::WalSample> samples = Parse(kind, body);
      Result<engine::AppendCounts> counts = engine_->Append(kind, samples);
      Check(counts.status());
      ++stats.requests;
      (kind == SeriesKind::kReading      ? stats.readings
       : kind == SeriesKind::kGridStatus ? stats.grid_status
                                         : stats.observations) +=
          static_cast<int64_t>(samples.size());
      if (counts->inserted + counts->revised == 0) continue;
      if (kind == SeriesKind::kReading) vee_->Observe(samples);
      stored.emplace_back(kind, std::move(samples));
    }
    const Clock::time_point t1 = Clock::now();
    vee_->Drain();
    const Clock::time_point t2 = Clock::now();
    for (const auto& [kind, samples] : stored) detection_->Observe(kind, samples);
    detection_->Drain();
    const Clock::time_point t3 = Clock::now();
    stats.store_s += Seconds(t1 - t0);
    stats.vee_s += Seconds(t2 - t1);
    stats.detect_s += Seconds(t3 - t2);
    ++stats.slots;
  }

  // Every alert, all pages.
  std::vector<Alert> AllAlerts() {
    std::vector<Alert> all;
    for (int64_t page = 1;; ++page) {
      Result<store::Page<Alert>> p = store_->List({.page = page, .page_size = 1000});
      Check(p.status());
      for (Alert& a : p->items) all.push_back(std::move(a));
      if (p->items.empty() || static_cast<int64_t>(all.size()) >= p->total_count) break;
    }
    return all;
  }

  DetectionStats detection_stats() const { return detection_->stats(); }
  vee::VeeStats vee_stats() const { return vee_->stats(); }
  alerts::AlertManagerStats manager_stats() const { return manager_->stats(); }
  const DetectRules& rules() const { return rules_; }

 private:
  // The fleet as `metrify simulate --to` imports it: operators, stations,
  // then meters.
  void Register() {
    for (model::GridOperator op : fleet_.operators) {
      Check(registry_store_->grid_operators().Create(op));
    }
    for (model::WeatherStation st : fleet_.stations) {
      Check(registry_store_->weather_stations().Create(st));
    }
    for (const simulate::SimMeter& m : fleet_.meters) {
      model::Meter meter = m.meter;
      Check(registry_store_->meters().Create(meter));
    }
  }

  std::vector<engine::wal::WalSample> Parse(SeriesKind kind, std::string& body) {
    Result<parse::ParsedBatch> parsed =
        parse::ParseSamples(&body, parse::BodyFormat::kCsv, parse::DefaultOptions(kind));
    Check(parsed.status());
    if (parsed->rejected() > 0) {
      Check(Status::Internal("the parser refused a simulated row: " + parsed->errors[0].message));
    }
    std::vector<engine::wal::WalSample> samples;
    samples.reserve(parsed->samples.size());
    for (const model::Sample& s : parsed->samples) {
      Result<std::optional<uint32_t>> key = keys_->Find(kind, s.entity_id);
      Check(key.status());
      if (!*key) Check(Status::Internal("unregistered entity " + s.entity_id));
      engine::wal::WalSample& w = samples.emplace_back();
      w.entity_key = **key;
      w.timestamp_ms = s.timestamp_ms;
      w.interval_s = s.interval_s;
      w.present = s.present;
      w.values = s.values;
    }
    return samples;
  }

  const simulate::Fleet& fleet_;
  ScratchDir dir_;
  std::unique_ptr<store::SqliteRegistry> registry_store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<ingest::EntityKeys> keys_;
  std::unique_ptr<vee::MeterDirectory> directory_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
  DetectRules rules_;
  std::unique_ptr<alerts::AlertStore> store_;
  std::unique_ptr<alerts::AlertManager> manager_;
  std::unique_ptr<DetectionService> detection_;
  std::unique_ptr<vee::VeeService> vee_;
};

// The simulator's rows into the platform, one request per Rows call (at most
// 5,000 rows, as `metrify simulate --to` posts them), a quarter hour at a
// time: the live run flushes after each.
class PlatformSink : public simulate::Sink {
 public:
  PlatformSink(Platform& platform, simulate::LiveClock& clock, std::atomic<int64_t>& vee_now,
               RunStats& stats)
      : platform_(platform), clock_(clock), vee_now_(vee_now), stats_(stats) {}

  Status Begin(const simulate::Fleet&) override { return Status::Ok(); }
  Status Rows(SeriesKind kind, std::string_view, int64_t, std::string_view text) override {
    constexpr size_t kBatch = 5000;
    std::string body = simulate::CsvHeader(kind);
    size_t rows = 0;
    for (std::string_view line : Split(text, '\n')) {
      if (line.empty()) continue;
      body.append(line).push_back('\n');
      if (++rows == kBatch) {
        pending_.emplace_back(kind, std::move(body));
        body = simulate::CsvHeader(kind);
        rows = 0;
      }
    }
    if (rows > 0) pending_.emplace_back(kind, std::move(body));
    return Status::Ok();
  }
  Status Flush() override {
    if (pending_.empty()) return Status::Ok();
    // A live server's wall clock when the quarter hour's rows come: the
    // quarter hour has passed.
    vee_now_.store(clock_.Now() + kQuarterMs);
    platform_.Slot(pending_, stats_);
    pending_.clear();
    return Status::Ok();
  }
  Status Finish(const simulate::Fleet&, const std::vector<Fault>&) override { return Flush(); }

 private:
  Platform& platform_;
  simulate::LiveClock& clock_;
  std::atomic<int64_t>& vee_now_;
  RunStats& stats_;
  std::vector<std::pair<SeriesKind, std::string>> pending_;
};

// ---------------------------------------------------------------------------
// The mapping of alert rules to fault kinds.
//
// Each rule is meant for the fault kinds below; an alert of it that matches
// a fault of such a kind is right (precision), and a fault with a matching
// alert of a rule meant for it is found (recall).
//
//   voltage_high, voltage_low   voltage_excursion: the simulator pushes
//                               voltage_v above 253 V or below 200 V, the
//                               rules fire above 250 V and below 200 V.
//   frequency_out (meter)       frequency_excursion of the meter's grid
//   frequency_out (operator)    operator: the operator's frequency leaves
//                               49.5-50.5 Hz and its meters report it.
//   stuck_register              stuck (VEE's flat_line). Consumption is not
//                               meant for stuck: frozen energy is low or
//                               ordinary, never a spike.
//   meter_reset                 reset (VEE's reset).
//   repeated_rollovers          rollover, though a single rollover (all the
//                               simulator makes: one per meter at most) is
//                               not a fault to alert on; what fires is shown.
//   consumption_high            spike.
//   no_data (meter)             silent. A gap would be meant too if it were
//                               longer than the meter's silence limit, but
//                               the simulator's gaps are at most 16 quarter
//                               hours = the 4 h limit, so none is (a no_data
//                               that matches a gap's window is counted as
//                               "on other faults").
//   area_outage (operator)      silent meters of the operator (raised
//                               instead of their no_data while the operator
//                               has an open alert).
//
// duplicate, late and clock_drift are data-path faults VEE deals with; no
// alert rule is meant for them (nor for a gap within the limit). The other
// rules (current_high, power_factor_low, power_factor_inconsistent, grid
// utilisation/voltage/stability, weather) have no fault kind: every alert
// of them on a meter is a false alarm; the operators' and stations' ones are
// counted separately (weather alerts describe the simulated weather).
// ---------------------------------------------------------------------------

uint32_t KindBit(FaultKind k) { return 1u << static_cast<int>(k); }

uint32_t MeantKinds(const Alert& a) {
  const std::string& r = a.rule;
  if (r == "voltage_high" || r == "voltage_low") return KindBit(FaultKind::kVoltageExcursion);
  if (r == "frequency_out") return KindBit(FaultKind::kFrequencyExcursion);
  if (r == "stuck_register") return KindBit(FaultKind::kStuck);
  if (r == "meter_reset") return KindBit(FaultKind::kReset);
  if (r == "repeated_rollovers") return KindBit(FaultKind::kRollover);
  if (r == "consumption_high") return KindBit(FaultKind::kSpike);
  if (r == "no_data" && a.source_kind == SourceKind::kMeter) {
    return KindBit(FaultKind::kSilent);
  }
  if (r == "area_outage") return KindBit(FaultKind::kSilent);
  return 0;
}

// Hardware faults, for the targets (recall >= 0.95, precision >= 0.9).
bool IsHardware(FaultKind k) {
  switch (k) {
    case FaultKind::kStuck:
    case FaultKind::kReset:
    case FaultKind::kVoltageExcursion:
    case FaultKind::kFrequencyExcursion:
    case FaultKind::kSpike:
    case FaultKind::kSilent:
      return true;
    default:
      return false;
  }
}

// The data-time window [lo, hi] (inclusive) in which an alert of a fault
// shows: an alert matches the fault when its [first_seen, last_seen]
// overlaps it. faults.csv's [start, end) are the timestamps of the readings
// the fault touched; `end` itself is the reading after, where a register
// that did not move catches up (VEE fires reset and flat_line on rows in
// the window, so [start, end] holds them). Further:
//   silent     up to the end of the run (no_data fires `meter_hours` after
//              the silence begins; its finding's time is the sweep's);
//   gap        + the silence limit (a gap would be reported that late);
//   frequency  + one quarter hour: meters report the excursion in the
//              readings whose interval's last minute is in it;
//   late       + the delay (the readings come then).
struct Window {
  int64_t lo = 0, hi = 0;
};

Window WindowOf(const Fault& f, const DetectRules& rules) {
  Window w{f.start_ms, f.end_ms};
  switch (f.kind) {
    case FaultKind::kGap:
      w.hi += rules.no_data.meter_ms;
      break;
    case FaultKind::kFrequencyExcursion:
      w.hi += kQuarterMs;
      break;
    case FaultKind::kLate:
      w.hi += static_cast<int64_t>(f.magnitude);
      break;
    default:
      break;
  }
  return w;
}

bool Overlaps(const Alert& a, const Window& w) {
  return a.first_seen_ms <= w.hi && a.last_seen_ms >= w.lo;
}

// One alert as the join saw it.
struct AlertResult {
  const Alert* alert = nullptr;
  int source = -1;             // meter, operator or station index; -1 unknown
  bool scored = false;         // first_seen after the warm-up
  uint32_t meant = 0;          // fault kinds its rule is meant for
  uint32_t matched = 0;        // kinds of the faults it matched
  bool right = false;          // matched a fault of a meant kind
  bool clean_day = false;      // unmatched, first seen on a clean meter-day
  std::vector<size_t> faults;  // matched faults (meant kinds first)
};

struct FaultResult {
  const Fault* fault = nullptr;
  bool scored = false;               // starts after the warm-up
  std::map<std::string, int> rules;  // rule -> alerts matching it
  bool found = false;                // by a rule meant for it
  int meter_alerts = 0;              // frequency: meters of the operator alerted
  bool by_area_outage = false;       // silent: only via the operator's area_outage
};

struct Tally {
  std::vector<AlertResult> alerts;
  std::vector<FaultResult> faults;
  int64_t clean_meter_days = 0, clean_operator_days = 0, station_days = 0;
  int64_t warmup_end_ms = 0;
};

std::string SourceName(const Alert& a) {
  return std::string(alerts::SourceKindName(a.source_kind));
}

Tally Join(const std::vector<Alert>& all, const std::vector<Fault>& faults,
           const simulate::Fleet& fleet, const DetectRules& rules, int64_t start_ms, int days,
           int warmup_days) {
  Tally t;
  t.warmup_end_ms = start_ms + int64_t{warmup_days} * kDayMs;
  std::unordered_map<std::string, int> meter_index, operator_index, station_index;
  for (size_t i = 0; i < fleet.meters.size(); ++i) meter_index[fleet.meters[i].meter.id] = int(i);
  for (size_t i = 0; i < fleet.operators.size(); ++i)
    operator_index[fleet.operators[i].id] = int(i);
  for (size_t i = 0; i < fleet.stations.size(); ++i) station_index[fleet.stations[i].id] = int(i);
  std::vector<std::vector<int>> meters_of(fleet.operators.size());
  for (size_t i = 0; i < fleet.meters.size(); ++i) {
    meters_of[fleet.meters[i].operator_index].push_back(int(i));
  }

  // Faults by source; meter-days and operator-days any fault touches.
  std::vector<std::vector<size_t>> by_meter(fleet.meters.size()),
      by_operator(fleet.operators.size());
  std::vector<std::vector<char>> touched(fleet.meters.size(), std::vector<char>(days, 0));
  std::vector<std::vector<char>> op_touched(fleet.operators.size(), std::vector<char>(days, 0));
  auto mark = [&](std::vector<char>& row, const Window& w) {
    const int64_t first = std::max<int64_t>(0, FloorDiv(w.lo - kQuarterMs - start_ms, kDayMs));
    const int64_t last =
        std::min<int64_t>(days - 1, FloorDiv(w.hi + kQuarterMs - start_ms, kDayMs));
    for (int64_t d = first; d <= last; ++d) row[d] = 1;
  };
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    FaultResult& fr = t.faults.emplace_back();
    fr.fault = &f;
    // Scored: starts after the warm-up, and a silence early enough to pass
    // the limit before the run ends.
    fr.scored = f.start_ms >= t.warmup_end_ms &&
                (f.kind != FaultKind::kSilent ||
                 f.start_ms - kQuarterMs + rules.no_data.meter_ms < start_ms + days * kDayMs);
    const Window w = WindowOf(f, rules);
    if (f.kind == FaultKind::kFrequencyExcursion) {
      by_operator[f.source].push_back(i);
      mark(op_touched[f.source], w);
    } else {
      by_meter[f.source].push_back(i);
      mark(touched[f.source], w);
    }
  }
  const int first_scored_day = std::min(days, warmup_days);
  for (const auto& row : touched) {
    for (int d = first_scored_day; d < days; ++d) t.clean_meter_days += !row[d];
  }
  for (const auto& row : op_touched) {
    for (int d = first_scored_day; d < days; ++d) t.clean_operator_days += !row[d];
  }
  t.station_days = int64_t(fleet.stations.size()) * (days - first_scored_day);

  for (const Alert& a : all) {
    AlertResult r;
    r.alert = &a;
    r.scored = a.first_seen_ms >= t.warmup_end_ms;
    r.meant = MeantKinds(a);
    auto consider = [&](size_t fi) {
      const Fault& f = faults[fi];
      if (!Overlaps(a, WindowOf(f, rules))) return;
      r.matched |= KindBit(f.kind);
      r.faults.push_back(fi);
      const bool right = (r.meant & KindBit(f.kind)) != 0;
      r.right = r.right || right;
      FaultResult& fr = t.faults[fi];
      ++fr.rules[a.rule];
      if (!right) return;
      if (f.kind == FaultKind::kFrequencyExcursion && a.source_kind == SourceKind::kMeter) {
        ++fr.meter_alerts;
      }
      if (a.rule == "area_outage") {
        fr.by_area_outage = fr.by_area_outage || !fr.found;
      } else {
        fr.by_area_outage = false;
      }
      fr.found = true;
    };
    switch (a.source_kind) {
      case SourceKind::kMeter: {
        auto it = meter_index.find(a.source_id);
        if (it == meter_index.end()) break;
        r.source = it->second;
        for (size_t fi : by_meter[r.source]) consider(fi);
        // The operator's excursions show in its meters' frequency only; a
        // meter's other alerts are not explained by them.
        if (a.rule == "frequency_out") {
          for (size_t fi : by_operator[fleet.meters[r.source].operator_index]) consider(fi);
        }
        break;
      }
      case SourceKind::kGridOperator: {
        auto it = operator_index.find(a.source_id);
        if (it == operator_index.end()) break;
        r.source = it->second;
        for (size_t fi : by_operator[r.source]) consider(fi);
        if (a.rule == "area_outage") {
          // The silent meters of the operator whose silence began within
          // the limit before the alert's time (and not after it).
          for (int m : meters_of[r.source]) {
            for (size_t fi : by_meter[m]) {
              const Fault& f = faults[fi];
              if (f.kind != FaultKind::kSilent) continue;
              if (f.start_ms <= a.last_seen_ms &&
                  f.start_ms + rules.no_data.meter_ms + kQuarterMs >= a.first_seen_ms) {
                consider(fi);
              }
            }
          }
        }
        break;
      }
      case SourceKind::kWeatherStation: {
        auto it = station_index.find(a.source_id);
        if (it != station_index.end()) r.source = it->second;
        break;
      }
    }
    if (a.source_kind == SourceKind::kMeter && r.source >= 0 && r.matched == 0 && r.scored) {
      const int64_t day = FloorDiv(a.first_seen_ms - start_ms, kDayMs);
      r.clean_day = day >= 0 && day < days && !touched[r.source][day];
    }
    t.alerts.push_back(std::move(r));
  }
  return t;
}

std::string Pct(int64_t part, int64_t whole) {
  return whole == 0 ? "—" : fmt::format("{:.1f} %", 100.0 * double(part) / double(whole));
}
std::string Ratio(int64_t part, int64_t whole) {
  return whole == 0 ? "—" : fmt::format("{:.3f}", double(part) / double(whole));
}

std::string KindNames(uint32_t mask) {
  std::string out;
  for (int k = 0; k < kKinds; ++k) {
    if (!(mask & (1u << k))) continue;
    out += (out.empty() ? "" : ", ") + std::string(FaultKindName(static_cast<FaultKind>(k)));
  }
  return out.empty() ? "—" : out;
}

// Per fault kind: scored faults, found by a meant rule, any alert.
struct KindRow {
  int n = 0, found = 0, any = 0, area = 0;
  int64_t meter_alerts = 0;
  std::map<std::string, int> rules;  // rule -> faults it matched
};

std::array<KindRow, kKinds> KindRows(const Tally& t) {
  std::array<KindRow, kKinds> rows{};
  for (const FaultResult& f : t.faults) {
    if (!f.scored) continue;
    KindRow& r = rows[static_cast<int>(f.fault->kind)];
    ++r.n;
    r.found += f.found;
    r.any += !f.rules.empty();
    r.area += f.by_area_outage;
    r.meter_alerts += f.meter_alerts;
    for (const auto& [rule, n] : f.rules) ++r.rules[rule];
  }
  return rows;
}

// Per (source kind, rule): scored alerts, right, matched only other faults,
// unmatched; of the unmatched, on clean meter-days.
struct RuleRow {
  uint32_t meant = 0;
  int64_t alerts = 0, right = 0, other = 0, unmatched = 0, clean = 0, warmup = 0;
  int64_t findings = 0;
};

std::map<std::pair<std::string, std::string>, RuleRow> RuleRows(const Tally& t) {
  std::map<std::pair<std::string, std::string>, RuleRow> rows;
  for (const AlertResult& a : t.alerts) {
    RuleRow& r = rows[{SourceName(*a.alert), a.alert->rule}];
    r.meant = a.meant;
    if (!a.scored) {
      ++r.warmup;
      continue;
    }
    ++r.alerts;
    r.findings += a.alert->count;
    if (a.right) {
      ++r.right;
    } else if (a.matched) {
      ++r.other;
    } else {
      ++r.unmatched;
      r.clean += a.clean_day;
    }
  }
  return rows;
}

std::string RulesOf(const std::map<std::string, int>& rules, int n) {
  std::string out;
  for (const auto& [rule, count] : rules) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", rule, Pct(count, n));
  }
  return out.empty() ? "none" : out;
}

std::string MeantRulesOf(FaultKind k) {
  switch (k) {
    case FaultKind::kVoltageExcursion:
      return "`voltage_high`, `voltage_low`";
    case FaultKind::kFrequencyExcursion:
      return "`frequency_out` (operator or its meters)";
    case FaultKind::kStuck:
      return "`stuck_register`";
    case FaultKind::kReset:
      return "`meter_reset`";
    case FaultKind::kRollover:
      return "`repeated_rollovers` (not for one)";
    case FaultKind::kSpike:
      return "`consumption_high`";
    case FaultKind::kSilent:
      return "`no_data`, `area_outage`";
    case FaultKind::kGap:
      return "none (at most the limit)";
    default:
      return "none";
  }
}

void PrintKinds(const Tally& t, const std::array<KindRow, kKinds>& rows) {
  fmt::print(
      "| fault | hardware | injected (after warm-up) | meant rule | found (recall) | any alert "
      "| alerts matching it (share of faults) |\n");
  fmt::print("|---|---|--:|---|--:|--:|---|\n");
  int hw_n = 0, hw_found = 0;
  for (int k = 0; k < kKinds; ++k) {
    const FaultKind kind = static_cast<FaultKind>(k);
    const KindRow& r = rows[k];
    std::string found = MeantRulesOf(kind).starts_with("none")
                            ? "—"
                            : fmt::format("{} ({})", r.found, Ratio(r.found, r.n));
    if (kind == FaultKind::kSilent && r.area > 0) {
      found += fmt::format("; {} only by area_outage", r.area);
    }
    std::string matching = RulesOf(r.rules, r.n);
    if (kind == FaultKind::kFrequencyExcursion && r.n > 0) {
      matching +=
          fmt::format("; meters alerted per excursion {:.0f}", double(r.meter_alerts) / r.n);
    }
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", FaultKindName(kind),
               IsHardware(kind) ? "yes" : "no", r.n, MeantRulesOf(kind), found,
               fmt::format("{} ({})", r.any, Pct(r.any, r.n)), matching);
    if (IsHardware(kind)) {
      hw_n += r.n;
      hw_found += r.found;
    }
  }
  fmt::print("| **hardware faults** | | {} | | **{} ({})** | | |\n", hw_n, hw_found,
             Ratio(hw_found, hw_n));
  (void)t;
}

void PrintRules(const Tally& t,
                const std::map<std::pair<std::string, std::string>, RuleRow>& rows) {
  fmt::print(
      "| source | rule | meant for | alerts (after warm-up) | findings folded | right "
      "(precision) | on other faults | matching no fault | of them on clean meter-days "
      "| per 1,000 clean meter-days | in warm-up |\n");
  fmt::print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  int64_t hw_alerts = 0, hw_right = 0, clean = 0;
  for (const auto& [key, r] : rows) {
    const bool meter = key.first == "meter";
    fmt::print("| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", key.first,
               key.second, KindNames(r.meant), r.alerts, r.findings,
               r.meant ? fmt::format("{} ({})", r.right, Ratio(r.right, r.alerts)) : "—", r.other,
               r.unmatched, meter ? std::to_string(r.clean) : "—",
               meter ? fmt::format("{:.2f}", 1000.0 * double(r.clean) /
                                                 double(std::max<int64_t>(1, t.clean_meter_days)))
                     : "—",
               r.warmup);
    bool hw = false;
    for (int k = 0; k < kKinds; ++k) {
      hw = hw || ((r.meant >> k) & 1u && IsHardware(static_cast<FaultKind>(k)) &&
                  static_cast<FaultKind>(k) != FaultKind::kGap);
    }
    if (hw) {
      hw_alerts += r.alerts;
      hw_right += r.right;
    }
    if (meter) clean += r.clean;
  }
  fmt::print(
      "| **all** | **rules meant for hardware faults** | | {} | | **{} ({})** | | | **{}** | "
      "**{:.2f}** | |\n",
      hw_alerts, hw_right, Ratio(hw_right, hw_alerts), clean,
      1000.0 * double(clean) / double(std::max<int64_t>(1, t.clean_meter_days)));
}

void PrintCases(const Tally& t, const simulate::Fleet& fleet, int most) {
  auto source_of = [&](const Fault& f) {
    return f.kind == FaultKind::kFrequencyExcursion ? fleet.operators[f.source].id
                                                    : fleet.meters[f.source].meter.id;
  };
  for (int k = 0; k < kKinds; ++k) {
    const FaultKind kind = static_cast<FaultKind>(k);
    if (MeantRulesOf(kind).starts_with("none")) continue;
    int shown = 0;
    for (const FaultResult& f : t.faults) {
      if (shown == most) break;
      if (f.fault->kind != kind || !f.scored || f.found) continue;
      ++shown;
      std::string what;
      if (kind != FaultKind::kFrequencyExcursion) {
        const simulate::SimMeter& m = fleet.meters[f.fault->source];
        what =
            fmt::format(" ({}{} {:.0f} kWh/a)", m.profile, m.pv_kwp > 0 ? "+PV" : "", m.annual_kwh);
      }
      fmt::print("missed {} of {}{} [{}, {}) magnitude {:.6g}; alerts matching: {}\n",
                 FaultKindName(kind), source_of(*f.fault), what, FormatRfc3339(f.fault->start_ms),
                 FormatRfc3339(f.fault->end_ms), f.fault->magnitude, RulesOf(f.rules, 1));
    }
  }
  std::map<std::string, int> shown;
  for (const AlertResult& a : t.alerts) {
    if (!a.scored || a.right) continue;
    int& n = shown[SourceName(*a.alert) + "/" + a.alert->rule];
    if (n++ >= most) continue;
    std::string matched;
    for (size_t fi : a.faults) {
      const Fault& f = *t.faults[fi].fault;
      matched += fmt::format(" {}@{}", FaultKindName(f.kind), FormatRfc3339(f.start_ms));
    }
    std::string what;
    if (a.alert->source_kind == SourceKind::kMeter && a.source >= 0) {
      const simulate::SimMeter& m = fleet.meters[a.source];
      what =
          fmt::format(" ({}{} {:.0f} kWh/a)", m.profile, m.pv_kwp > 0 ? "+PV" : "", m.annual_kwh);
    }
    fmt::print("{} alert {} {} of {}{} [{}, {}] count {}{}: {}{}\n",
               a.matched ? "other-fault" : (a.clean_day ? "clean-day" : "unmatched"), a.alert->id,
               a.alert->rule, a.alert->source_id, what, FormatRfc3339(a.alert->first_seen_ms),
               FormatRfc3339(a.alert->last_seen_ms), a.alert->count,
               StateName(a.alert->state) == "RESOLVED" ? " resolved" : "", a.alert->message,
               matched.empty() ? "" : ";" + matched);
  }
}

void PrintJson(const Options& o, const Tally& t, const std::array<KindRow, kKinds>& kinds,
               const std::map<std::pair<std::string, std::string>, RuleRow>& rules,
               const RunStats& run, const DetectionStats& det, double total_s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("meters").Int(o.meters).Key("days").Int(o.days).Key("start").String(o.start);
  w.Key("rate").Number(o.rate).Key("seed").Int(static_cast<int64_t>(o.seed));
  w.Key("warmup_days").Int(o.warmup_days);
  w.Key("readings").Int(run.readings).Key("grid_status").Int(run.grid_status);
  w.Key("observations").Int(run.observations);
  w.Key("seconds").BeginObject();
  w.Key("total").Number(total_s).Key("store").Number(run.store_s).Key("vee").Number(run.vee_s);
  w.Key("detect").Number(run.detect_s).EndObject();
  w.Key("detect_samples").Int(static_cast<int64_t>(det.samples));
  w.Key("detect_samples_per_s").Number(run.detect_s > 0 ? double(det.samples) / run.detect_s : 0);
  w.Key("kinds").BeginObject();
  int hw_n = 0, hw_found = 0;
  for (int k = 0; k < kKinds; ++k) {
    const KindRow& r = kinds[k];
    const FaultKind kind = static_cast<FaultKind>(k);
    w.Key(FaultKindName(kind)).BeginObject();
    w.Key("hardware").Bool(IsHardware(kind)).Key("faults").Int(r.n);
    w.Key("found").Int(r.found).Key("any_alert").Int(r.any);
    w.Key("recall").Number(r.n ? double(r.found) / r.n : NAN);
    w.EndObject();
    if (IsHardware(kind)) {
      hw_n += r.n;
      hw_found += r.found;
    }
  }
  w.EndObject();
  w.Key("hardware_recall").Number(hw_n ? double(hw_found) / hw_n : NAN);
  w.Key("rules").BeginArray();
  int64_t clean = 0;
  for (const auto& [key, r] : rules) {
    w.BeginObject().Key("source_kind").String(key.first).Key("rule").String(key.second);
    w.Key("alerts").Int(r.alerts).Key("right").Int(r.right).Key("other_faults").Int(r.other);
    w.Key("unmatched").Int(r.unmatched).Key("clean_day").Int(r.clean);
    w.Key("warmup").Int(r.warmup);
    w.Key("precision").Number(r.meant && r.alerts ? double(r.right) / r.alerts : NAN);
    w.EndObject();
    if (key.first == "meter") clean += r.clean;
  }
  w.EndArray();
  w.Key("clean_meter_days").Int(t.clean_meter_days).Key("clean_day_alerts").Int(clean);
  w.Key("false_alarms_per_1000_clean_meter_days")
      .Number(1000.0 * double(clean) / double(std::max<int64_t>(1, t.clean_meter_days)));
  w.EndObject();
  fmt::print("{}\n", w.str());
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{"Detection and alerts against the simulator's injected faults"};
  app.add_option("--meters", o.meters, "Simulated meters")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--days", o.days, "Days of data")
      ->check(CLI::Range(1, 366))
      ->capture_default_str();
  app.add_option("--start", o.start, "First day (YYYY-MM-DD), from 00:00 UTC")
      ->capture_default_str();
  app.add_option("--rate,--faults", o.rate, "Probability that a meter-day starts a fault")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Fleet and fault seed")->capture_default_str();
  app.add_option("--warmup-days", o.warmup_days, "Days not scored (the baseline learning)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--vee-threads", o.vee_threads, "VEE workers (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--cases", o.cases,
                 "Show up to this many misses per kind and wrong alerts per rule")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--dir", o.dir, "Parent of the scratch directory (engine, registry.db)")
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print a JSON summary instead of the tables");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (!ParseCivilDate(o.start)) Check(Status::InvalidArgument("--start must be YYYY-MM-DD"));
  return o;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  simulate::SimulationOptions sim;
  sim.fleet.meters = o.meters;
  sim.fleet.seed = o.seed;
  sim.start_ms = *ParseCivilDate(o.start) * kDayMs;
  sim.end_ms = sim.start_ms + int64_t(o.days) * kDayMs;
  sim.plan_until_ms = sim.end_ms;  // rollovers over the whole run, as a backfill plans them
  sim.fault_rate = o.rate;
  SteppingClock clock(sim.start_ms, sim.end_ms);
  sim.live = &clock;
  Result<simulate::Fleet> fleet = simulate::BuildFleet(sim.fleet);  // the one Simulate builds
  Check(fleet.status());

  const Clock::time_point t0 = Clock::now();
  std::atomic<int64_t> vee_now{sim.start_ms};
  RunStats run;
  std::optional<Platform> platform;
  platform.emplace(*fleet, o.dir, o.vee_threads, vee_now);
  const Clock::time_point t1 = Clock::now();
  PlatformSink sink(*platform, clock, vee_now, run);
  Result<simulate::SimulationSummary> summary = simulate::Simulate(sim, sink);
  Check(summary.status());
  const Clock::time_point t2 = Clock::now();
  const std::vector<Alert> all = platform->AllAlerts();
  const DetectionStats det = platform->detection_stats();
  const vee::VeeStats vee = platform->vee_stats();
  const alerts::AlertManagerStats mgr = platform->manager_stats();
  const DetectRules rules = platform->rules();
  const Tally tally =
      Join(all, summary->faults, *fleet, rules, sim.start_ms, o.days, o.warmup_days);
  const auto kinds = KindRows(tally);
  const auto rule_rows = RuleRows(tally);
  const Clock::time_point t3 = Clock::now();
  platform.reset();
  const double total_s = Seconds(Clock::now() - t0);

  if (o.json) {
    PrintJson(o, tally, kinds, rule_rows, run, det, total_s);
    return 0;
  }
  fmt::print(
      "{} meters, {} operators, {} stations x {} days from {} 00:00 UTC, faults {} per "
      "meter-day, seed {}; warm-up {} days (faults starting and alerts first seen before {} are "
      "not scored, nor silences starting less than the silence limit before the end)\n",
      o.meters, fleet->operators.size(), fleet->stations.size(), o.days, o.start, o.rate, o.seed,
      o.warmup_days, FormatRfc3339(tally.warmup_end_ms));
  fmt::print(
      "{} readings, {} grid status rows, {} observations in {} requests over {} quarter hours; "
      "{} faults; {} alerts ({} findings, {} auto-resolved)\n",
      run.readings, run.grid_status, run.observations, run.requests, run.slots,
      summary->faults.size(), all.size(), mgr.findings, mgr.auto_resolved);
  fmt::print(
      "time: {:.1f} s in all: register {:.1f} s, simulate + parse + store (VEE validating beside "
      "it) "
      "{:.1f} s, waiting for VEE {:.1f} s "
      "({} windows, {} errors), detection {:.1f} s, join {:.2f} s\n",
      total_s, Seconds(t1 - t0), Seconds(t2 - t1) - run.vee_s - run.detect_s, run.vee_s,
      vee.windows, vee.errors, run.detect_s, Seconds(t3 - t2));
  fmt::print(
      "detection alone (its worker, one thread, VEE idle; threshold checks, consumption, "
      "silence sweep each quarter hour, alert store writes): {} samples in {:.2f} s = {:.0f} "
      "samples/s; {} findings, {} clears, {} store errors\n\n",
      det.samples, run.detect_s, run.detect_s > 0 ? double(det.samples) / run.detect_s : 0.0,
      det.findings, det.clears, det.errors);
  fmt::print("Per fault kind (faults starting after the warm-up):\n\n");
  PrintKinds(tally, kinds);
  fmt::print("\nPer alert rule (alerts first seen after the warm-up):\n\n");
  PrintRules(tally, rule_rows);
  fmt::print(
      "\nClean meter-days (after the warm-up, no fault of the meter touches the UTC day, its "
      "windows widened by a quarter hour; an operator's frequency excursion is not the meter's "
      "fault, and a meter's frequency_out alert matching it is right, not a false alarm): {}; "
      "clean operator-days {}; station-days {}\n",
      tally.clean_meter_days, tally.clean_operator_days, tally.station_days);
  if (o.cases > 0) {
    fmt::print("\n");
    PrintCases(tally, *fleet, o.cases);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::detect

int main(int argc, char** argv) { return metrify::detect::Main(argc, argv); }
