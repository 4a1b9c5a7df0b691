// vee_faults_bench: how many of the simulator's injected faults each VEE
// rule catches, and how often it fires on clean values (issue 5).
//
//   vee_faults_bench [--meters N] [--days D] [--start YYYY-MM-DD]
//                    [--faults RATE] [--seed S] [--batch B] [--threads T]
//                    [--cases K]
//
// The data: the fleet simulator (src/simulate/, docs/simulator.md) run in
// process with faults: each meter-day starts one fault with probability
// RATE, of one of the ten meter kinds drawn uniformly, and each grid
// operator-day a frequency excursion with ten times that. The simulator's
// ground truth (what it writes to faults.csv) says which meter and which
// intervals each fault touched.
//
// The route: the service's, not a shortcut. The rows go, in the order and
// the batches `metrify simulate --to` posts them (a day of every meter, then
// the late readings as they fall due; --batch rows per request), through
// the ingest parser into a real readings engine in a scratch directory;
// each batch that stored something is handed to a VeeService (Observe),
// which validates the meters' windows on its workers and writes the
// overlay. The bench waits for it after every batch (Drain), so the result
// does not depend on thread timing. The clock VEE sees is fixed one day
// after the simulation ends: every gap is due, nothing is in the future.
// Meters come from the simulated registry through MeterInfoOf, as the
// server's MeterDirectory gives them.
//
// The join: afterwards the validated series of every meter is read back
// (its overlay rows, else its raw readings as MEASURED). A fault's
// footprint is its intervals (faults.csv's [start, end)) and the one after
// (a register that did not move in the window catches up there). A rule
// catches a fault when it fired on an interval of the footprint; clean
// intervals are those in no fault's footprint. Per rule the table gives
// the faults of the kinds it is meant to catch, how many it caught, how
// many faults of other kinds it fired on, and how often it fired on clean
// intervals; per fault kind, which rules fired and what became of its
// intervals; and the statuses of all intervals. --cases K shows, for each
// rule, K faults it missed and K clean intervals it fired on, with the raw
// readings and verdicts around them: the material for the notes in
// docs/benchmarks.md. A program, not a test.
#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/file_system.h"
#include "common/strings.h"
#include "common/time.h"
#include "parse/sample_parser.h"
#include "simulate/simulator.h"
#include "store/engine/readings_engine.h"
#include "vee/meter_directory.h"
#include "vee/overlay.h"
#include "vee/vee_service.h"

namespace metrify::vee {
namespace {

using Clock = std::chrono::steady_clock;
using simulate::Fault;
using simulate::FaultKind;

constexpr int64_t kQuarterMs = 900'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kQuartersPerDay = 96;
constexpr int kRules = 16;  // validation rule ids are 1..15 (status.h)
constexpr int kKinds = 11;  // FaultKind values

struct Options {
  // Four weeks: the usual values spikes and zero streaks are judged
  // against need days of history.
  int meters = 1000;
  int days = 28;
  std::string start = "2025-01-13";  // a Monday, no DST change in the default range
  // One meter-day in twenty: about 130 faults of each kind by default.
  double faults = 0.05;
  uint64_t seed = 1;
  size_t batch = 5000;  // rows per request, as `metrify simulate --to` sends them
  int threads = 0;      // VEE workers; 0: one per core
  int cases = 0;        // misses and false alarms to show per rule
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "vee_faults_bench: {}\n", s.ToString());
  std::exit(1);
}

uint32_t Bit(RuleId rule) { return 1u << static_cast<int>(rule); }

// A directory under /tmp for the engine, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = "/tmp/vee-faults-bench-XXXXXX";
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

// Meter i of the fleet has registry key i + 1 (0 is never a key).
uint32_t KeyOf(size_t meter) { return static_cast<uint32_t>(meter + 1); }

// The engine and the validation service over it, fed as the ingest path
// feeds them (ingest/ingest_service.cc).
class Pipeline {
 public:
  Pipeline(const simulate::Fleet& fleet, int64_t now_ms, int threads) {
    for (const simulate::SimMeter& m : fleet.meters) meters_.push_back(MeterInfoOf(m.meter));
    auto opened = engine::ReadingsEngine::Open(FileSystem::Posix(), dir_.path());
    Check(opened.status());
    engine_ = std::move(*opened);
    vee_ = std::make_unique<VeeService>(
        *engine_,
        [this](uint32_t key) -> std::optional<MeterInfo> {
          if (key == 0 || key > meters_.size()) return std::nullopt;
          return meters_[key - 1];
        },
        RulesConfig::Defaults(), [now_ms] { return now_ms; }, threads);
  }
  ~Pipeline() {
    vee_.reset();  // its workers read the engine
    Check(engine_->Close());
  }

  // Stores one request's readings; VEE validates what stored something new
  // (an identical repeat does not), and the bench waits for it.
  void Ingest(std::span<const engine::wal::WalSample> samples) {
    Result<engine::AppendCounts> counts = engine_->Append(model::SeriesKind::kReading, samples);
    Check(counts.status());
    if (counts->inserted + counts->revised == 0) return;
    vee_->Observe(samples);
    vee_->Drain();
  }

  engine::ReadingsEngine& engine() { return *engine_; }
  VeeStats stats() const { return vee_->stats(); }

 private:
  ScratchDir dir_;
  std::vector<MeterInfo> meters_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
  std::unique_ptr<VeeService> vee_;
};

// The simulator's reading rows into the pipeline, in requests of `batch`
// rows through the ingest parser (the CSV `--to` posts).
class PipelineSink : public simulate::Sink {
 public:
  PipelineSink(const simulate::Fleet& fleet, Pipeline& pipeline, size_t batch)
      : pipeline_(pipeline), batch_(batch) {
    for (size_t i = 0; i < fleet.meters.size(); ++i) keys_[fleet.meters[i].meter.id] = KeyOf(i);
  }

  Status Begin(const simulate::Fleet&) override { return Status::Ok(); }
  Status Rows(model::SeriesKind kind, std::string_view, int64_t, std::string_view text) override {
    if (kind != model::SeriesKind::kReading) return Status::Ok();
    std::string body = simulate::CsvHeader(kind);
    size_t rows = 0;
    for (std::string_view line : Split(text, '\n')) {
      if (line.empty()) continue;
      body.append(line).push_back('\n');
      if (++rows == batch_) {
        METRIFY_RETURN_IF_ERROR(Post(body));
        body = simulate::CsvHeader(kind);
        rows = 0;
      }
    }
    return rows > 0 ? Post(body) : Status::Ok();
  }
  Status Finish(const simulate::Fleet&, const std::vector<Fault>&) override { return Status::Ok(); }

 private:
  Status Post(std::string& body) {
    METRIFY_ASSIGN_OR_RETURN(
        parse::ParsedBatch parsed,
        parse::ParseSamples(&body, parse::BodyFormat::kCsv,
                            parse::DefaultOptions(model::SeriesKind::kReading)));
    if (parsed.rejected() > 0) {
      return Status::Internal("the parser refused a simulated row: " + parsed.errors[0].message);
    }
    std::vector<engine::wal::WalSample> samples;
    samples.reserve(parsed.samples.size());
    for (const model::Sample& s : parsed.samples) {
      engine::wal::WalSample& w = samples.emplace_back();
      w.entity_key = keys_.at(s.entity_id);
      w.timestamp_ms = s.timestamp_ms;
      w.interval_s = s.interval_s;
      w.present = s.present;
      w.values = s.values;
    }
    pipeline_.Ingest(samples);
    return Status::Ok();
  }

  Pipeline& pipeline_;
  size_t batch_;
  std::unordered_map<std::string, uint32_t> keys_;
};

// One grid interval of a meter as VEE left it.
struct Cell {
  bool row = false;  // validated: an overlay row, or a raw reading on the grid
  ValueStatus status = ValueStatus::kMissing;
  RuleId rule = RuleId::kNone;
  uint32_t fired = 0;
  int64_t late_by_s = 0;
};

// The grid of the run: interval i ends at start + (i + 1) quarter hours.
struct Grid {
  int64_t start_ms = 0;
  int intervals = 0;
  int64_t EndOf(int i) const { return start_ms + (i + 1) * kQuarterMs; }
  // The interval ending at or after `t`, clamped to the grid.
  int IndexAtOrAfter(int64_t t) const {
    const int64_t i = (t - start_ms + kQuarterMs - 1) / kQuarterMs - 1;
    return static_cast<int>(std::clamp<int64_t>(i, 0, intervals));
  }
};

// Meter `key`'s validated series over the grid, read back from the engine.
std::vector<Cell> ValidatedSeries(engine::ReadingsEngine& engine, uint32_t key, const Grid& grid) {
  std::vector<Cell> cells(grid.intervals);
  const int64_t from = grid.start_ms + 1, to = grid.EndOf(grid.intervals - 1) + 1;
  std::vector<engine::HeadSample> raw, overlay;
  Check(engine.ReadLatest({model::SeriesKind::kReading, key}, from, to, &raw, 1));
  Check(engine.ReadLatest({model::SeriesKind::kVeeOverlay, key}, from, to, &overlay));
  // A raw reading off the grid (a drifted clock) has no interval of its own:
  // the validator put it on one, and that interval has an overlay row.
  for (const engine::HeadSample& s : raw) {
    if ((s.timestamp_ms - grid.start_ms) % kQuarterMs != 0) continue;
    Cell& c = cells[(s.timestamp_ms - grid.start_ms) / kQuarterMs - 1];
    c.row = true;
    c.status = ValueStatus::kMeasured;
  }
  for (const engine::HeadSample& s : overlay) {
    // Off the grid: the mark that takes an off-grid raw reading out of the
    // validated rollups, no interval of its own (docs/vee.md "Storage").
    if ((s.timestamp_ms - grid.start_ms) % kQuarterMs != 0) continue;
    const ValidatedInterval v = FromOverlay(s);
    cells[(s.timestamp_ms - grid.start_ms) / kQuarterMs - 1] = {true, v.status, v.rule, v.fired,
                                                                v.late_by_s};
  }
  return cells;
}

// What VEE is meant to do with each kind of fault: the rules that should
// fire on it (none: no VEE rule is meant to see it).
std::vector<RuleId> ExpectedRules(FaultKind kind) {
  switch (kind) {
    case FaultKind::kGap:
    case FaultKind::kSilent:
      return {RuleId::kGap};
    case FaultKind::kSpike:
      return {RuleId::kSpike, RuleId::kSumCheck};
    case FaultKind::kStuck:
      return {RuleId::kFlatLine, RuleId::kSumCheck};
    case FaultKind::kRollover:
      return {RuleId::kRollover};
    case FaultKind::kReset:
      return {RuleId::kReset};
    case FaultKind::kDuplicate:
      return {RuleId::kDuplicate};
    case FaultKind::kClockDrift:
      return {RuleId::kMisaligned};
    default:  // late, voltage and frequency excursions
      return {};
  }
}

uint32_t ExpectedMask(FaultKind kind) {
  uint32_t mask = 0;
  for (RuleId r : ExpectedRules(kind)) mask |= Bit(r);
  return mask;
}

// The grid intervals a fault touched: a meter fault's window and the
// interval after it; a frequency excursion's, every interval of the
// operator's meters whose span overlaps it.
struct Footprint {
  int first = 0, last = 0;  // [first, last)
  int own_last = 0;         // [first, own_last): the fault's own intervals
};

Footprint FootprintOf(const Fault& f, const Grid& grid) {
  Footprint p;
  p.first = grid.IndexAtOrAfter(f.start_ms);
  if (f.kind == FaultKind::kFrequencyExcursion) {
    p.first = grid.IndexAtOrAfter(f.start_ms + 1);
    p.own_last = p.last = std::min(grid.intervals, grid.IndexAtOrAfter(f.end_ms) + 1);
    return p;
  }
  p.own_last = std::max(p.first, std::min(grid.intervals, grid.IndexAtOrAfter(f.end_ms)));
  p.last = std::min(grid.intervals, p.own_last + 1);
  return p;
}

// What the join found for one fault (for a frequency excursion, over all
// the operator's meters).
struct FaultResult {
  const Fault* fault = nullptr;
  uint32_t fired = 0;                                // rules fired anywhere in its footprint
  std::array<int64_t, kValueStatuses + 1> status{};  // of its own intervals; last: no row
  bool late_recorded = false;                        // an interval keeps how late it came
};

// A rule that fired on a clean interval.
struct CleanFire {
  size_t meter = 0;
  int interval = 0;
  uint32_t fired = 0;
};

// The tallies of the whole run.
struct Tally {
  int64_t slots = 0, rows = 0, clean = 0;
  std::array<int64_t, kValueStatuses> status{};
  // What decided the estimated (the method), invalid and missing ones.
  std::array<std::map<RuleId, int64_t>, kValueStatuses> by_rule;
  std::array<int64_t, kRules> clean_fired{};
  std::vector<FaultResult> faults;  // the simulation's, in its order
  std::vector<CleanFire> clean_fires;
};

// Adds what VEE did in footprint `p` to `r`, leaving out the intervals in
// `skip` (another fault of the meter explains what fired there).
void Judge(const Footprint& p, const std::vector<Cell>& cells, const std::vector<bool>& skip,
           FaultResult& r) {
  for (int i = p.first; i < p.last; ++i) {
    if (skip[i]) continue;
    r.fired |= cells[i].fired;
    if (i >= p.own_last) continue;
    r.status[cells[i].row ? static_cast<int>(cells[i].status) : kValueStatuses]++;
    r.late_recorded |= cells[i].late_by_s > 0;
  }
}

void CountCell(size_t meter, int i, const Cell& c, bool touched, Tally& t) {
  ++t.slots;
  if (!c.row) return;
  ++t.rows;
  ++t.status[static_cast<int>(c.status)];
  if (c.status != ValueStatus::kMeasured) ++t.by_rule[static_cast<int>(c.status)][c.rule];
  if (touched) return;
  ++t.clean;
  for (int r = 1; r < kRules; ++r) t.clean_fired[r] += (c.fired >> r) & 1u;
  if (c.fired != 0) t.clean_fires.push_back({meter, i, c.fired});
}

// Reads every meter back and joins it with the faults.
Tally Join(Pipeline& pipeline, const simulate::Fleet& fleet, const std::vector<Fault>& faults,
           const Grid& grid) {
  Tally t;
  std::vector<std::vector<size_t>> by_meter(fleet.meters.size());
  std::vector<std::vector<size_t>> by_operator(fleet.operators.size());
  for (size_t f = 0; f < faults.size(); ++f) {
    t.faults.push_back({&faults[f]});
    auto& list = faults[f].kind == FaultKind::kFrequencyExcursion ? by_operator : by_meter;
    list[faults[f].source].push_back(f);
  }
  for (size_t m = 0; m < fleet.meters.size(); ++m) {
    const std::vector<Cell> cells = ValidatedSeries(pipeline.engine(), KeyOf(m), grid);
    const std::vector<bool> none(grid.intervals, false);
    std::vector<bool> own(grid.intervals, false);  // the meter's own faults
    for (size_t f : by_meter[m]) {
      const Footprint p = FootprintOf(faults[f], grid);
      Judge(p, cells, none, t.faults[f]);
      for (int i = p.first; i < p.last; ++i) own[i] = true;
    }
    std::vector<bool> touched = own;
    for (size_t f : by_operator[fleet.meters[m].operator_index]) {
      const Footprint p = FootprintOf(faults[f], grid);
      Judge(p, cells, own, t.faults[f]);
      for (int i = p.first; i < p.last; ++i) touched[i] = true;
    }
    for (int i = 0; i < grid.intervals; ++i) CountCell(m, i, cells[i], touched[i], t);
  }
  return t;
}

// Each rule's action in a rule set; gap has none (its intervals are
// missing, then estimated).
std::string_view ActionOf(const RuleSet& r, RuleId rule) {
  static constexpr std::pair<RuleId, RuleAction RuleSet::*> kActions[] = {
      {RuleId::kRange, &RuleSet::range_action},
      {RuleId::kNegativeEnergy, &RuleSet::negative_energy},
      {RuleId::kZeroStreak, &RuleSet::zero_streak},
      {RuleId::kFlatLine, &RuleSet::flat_line},
      {RuleId::kSpike, &RuleSet::spike},
      {RuleId::kDailyHigh, &RuleSet::daily_high},
      {RuleId::kDailyLow, &RuleSet::daily_low},
      {RuleId::kDuplicate, &RuleSet::duplicate},
      {RuleId::kIntervalLength, &RuleSet::interval_length},
      {RuleId::kFuture, &RuleSet::future},
      {RuleId::kMisaligned, &RuleSet::misaligned},
      {RuleId::kRollover, &RuleSet::rollover},
      {RuleId::kReset, &RuleSet::reset},
      {RuleId::kSumCheck, &RuleSet::sum_check},
  };
  for (const auto& [id, action] : kActions) {
    if (id == rule) return RuleActionName(r.*action);
  }
  return "missing";
}

std::string Pct(int64_t part, int64_t whole) {
  return whole == 0 ? "—" : fmt::format("{:.1f} %", 100.0 * double(part) / double(whole));
}

std::string FaultKinds(uint32_t mask, const char* none) {
  std::string out;
  for (int k = 0; k < kKinds; ++k) {
    if (!(mask & (1u << k))) continue;
    out += (out.empty() ? "" : ", ") + std::string(FaultKindName(static_cast<FaultKind>(k)));
  }
  return out.empty() ? none : out;
}

void PrintRules(const Tally& t) {
  const RuleSet defaults = RulesConfig::Defaults().For("electricity", "");
  fmt::print(
      "| rule | action | meant to catch | faults | caught | fired on other faults "
      "| fired on clean intervals | per million clean |\n");
  fmt::print("|---|---|---|--:|--:|--:|--:|--:|\n");
  for (int r = 1; r < kRules; ++r) {
    const RuleId rule = static_cast<RuleId>(r);
    uint32_t kinds = 0;
    int64_t meant = 0, caught = 0, other = 0;
    for (const FaultResult& f : t.faults) {
      const bool fired = (f.fired >> r) & 1u;
      if (ExpectedMask(f.fault->kind) & Bit(rule)) {
        kinds |= 1u << static_cast<int>(f.fault->kind);
        ++meant;
        caught += fired;
      } else {
        other += fired;
      }
    }
    fmt::print("| `{}` | {} | {} | {} | {} | {} | {} | {:.0f} |\n", RuleName(rule),
               ActionOf(defaults, rule), FaultKinds(kinds, "—"), meant,
               meant ? fmt::format("{} ({})", caught, Pct(caught, meant)) : "—", other,
               t.clean_fired[r],
               1e6 * double(t.clean_fired[r]) / double(std::max<int64_t>(1, t.clean)));
  }
}

std::string RulesFired(const std::array<int, kRules>& counts, int n) {
  std::string out;
  for (int r = 1; r < kRules; ++r) {
    if (counts[r] == 0) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", RuleName(static_cast<RuleId>(r)),
                       Pct(counts[r], n));
  }
  return out.empty() ? "none" : out;
}

std::string Statuses(const std::array<int64_t, kValueStatuses + 1>& s) {
  int64_t n = 0;
  for (int64_t v : s) n += v;
  std::string out;
  for (int i = 0; i <= kValueStatuses; ++i) {
    if (s[i] == 0) continue;
    const std::string_view name =
        i < kValueStatuses ? ValueStatusName(static_cast<ValueStatus>(i)) : "no row";
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, Pct(s[i], n));
  }
  return out.empty() ? "—" : out;
}

void PrintKinds(const Tally& t) {
  fmt::print(
      "| fault | injected | expected rule | caught by it | any rule fired "
      "| rules fired (share of faults) | its intervals end up |\n");
  fmt::print("|---|--:|---|--:|--:|---|---|\n");
  for (int k = 0; k < kKinds; ++k) {
    const FaultKind kind = static_cast<FaultKind>(k);
    int n = 0, caught = 0, noticed = 0, late = 0;
    std::array<int, kRules> fired{};
    std::array<int64_t, kValueStatuses + 1> status{};
    for (const FaultResult& f : t.faults) {
      if (f.fault->kind != kind) continue;
      ++n;
      caught += (f.fired & ExpectedMask(kind)) != 0;
      noticed += f.fired != 0;
      late += f.late_recorded;
      for (int r = 1; r < kRules; ++r) fired[r] += (f.fired >> r) & 1u;
      for (int s = 0; s <= kValueStatuses; ++s) status[s] += f.status[s];
    }
    std::string expected;
    for (RuleId r : ExpectedRules(kind)) {
      expected += (expected.empty() ? "`" : ", `") + std::string(RuleName(r)) + "`";
    }
    const std::string caught_text =
        expected.empty() ? "—" : fmt::format("{} ({})", caught, Pct(caught, n));
    std::string outcome = Statuses(status);
    if (kind == FaultKind::kLate) outcome += fmt::format("; lateness kept: {}", Pct(late, n));
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", FaultKindName(kind), n,
               expected.empty() ? "none" : expected, caught_text,
               fmt::format("{} ({})", noticed, Pct(noticed, n)), RulesFired(fired, n), outcome);
  }
}

void PrintStatuses(const Tally& t) {
  fmt::print("| intervals | count | share |\n|---|--:|--:|\n");
  fmt::print("| grid intervals (meters × days × 96) | {} | |\n", t.slots);
  fmt::print("| no validated row (nothing came for it) | {} | {} of the grid |\n", t.slots - t.rows,
             Pct(t.slots - t.rows, t.slots));
  fmt::print("| validated | {} | |\n", t.rows);
  fmt::print("| — clean (in no fault's footprint) | {} | {} |\n", t.clean, Pct(t.clean, t.rows));
  for (int s = 0; s < kValueStatuses; ++s) {
    fmt::print("| — {} | {} | {} |\n", ValueStatusName(static_cast<ValueStatus>(s)), t.status[s],
               Pct(t.status[s], t.rows));
    for (const auto& [rule, n] : t.by_rule[s]) {
      fmt::print("| —— by `{}` | {} | {} |\n", RuleName(rule), n, Pct(n, t.rows));
    }
  }
}

std::string FiredNames(uint32_t fired) {
  std::string out;
  for (int r = 1; r < kRules; ++r) {
    if ((fired >> r) & 1u) out += (out.empty() ? "" : ",") + std::string(RuleName(RuleId(r)));
  }
  return out;
}

// The raw readings and the verdicts of meter `meter` around intervals
// [first, last): what a miss or a false alarm looked like.
void PrintContext(engine::ReadingsEngine& engine, size_t meter, const Grid& grid, int first,
                  int last) {
  first = std::max(0, first - 3);
  last = std::min({grid.intervals, last + 3, first + 24});  // a silent meter's is long
  const std::vector<Cell> cells = ValidatedSeries(engine, KeyOf(meter), grid);
  std::vector<engine::HeadSample> raw;
  Check(engine.ReadLatest({model::SeriesKind::kReading, KeyOf(meter)},
                          grid.EndOf(first) - kQuarterMs + 1, grid.EndOf(last - 1) + 1, &raw));
  size_t r = 0;
  for (int i = first; i < last; ++i) {
    for (; r < raw.size() && raw[r].timestamp_ms <= grid.EndOf(i); ++r) {
      const engine::HeadSample& s = raw[r];
      fmt::print("    raw {} energy {:.3f} register {:.3f}{}\n", FormatRfc3339(s.timestamp_ms),
                 s.values[0], s.values[2], s.revision > 0 ? " (revised)" : "");
    }
    const Cell& c = cells[i];
    fmt::print("      {} {} {} fired [{}]{}\n", FormatRfc3339(grid.EndOf(i)),
               c.row ? ValueStatusName(c.status) : "no row", RuleName(c.rule), FiredNames(c.fired),
               c.late_by_s > 0 ? fmt::format(" late {} s", c.late_by_s) : "");
  }
}

// Up to `most` late faults whose lateness no interval kept.
void PrintLateCases(const Tally& t, Pipeline& pipeline, const simulate::Fleet& fleet,
                    const Grid& grid, int most) {
  int shown = 0;
  for (const FaultResult& f : t.faults) {
    if (shown == most) break;
    if (f.fault->kind != FaultKind::kLate || f.late_recorded) continue;
    ++shown;
    fmt::print("late of {} at {} (delay {} s) kept no lateness:\n",
               fleet.meters[f.fault->source].meter.id, FormatRfc3339(f.fault->start_ms),
               f.fault->magnitude / 1000);
    const Footprint p = FootprintOf(*f.fault, grid);
    PrintContext(pipeline.engine(), f.fault->source, grid, p.first, p.last);
  }
}

// Up to `most` faults each expected rule missed, and `most` clean
// intervals it fired on, with their context.
void PrintCases(const Tally& t, Pipeline& pipeline, const simulate::Fleet& fleet, const Grid& grid,
                int most) {
  for (int r = 1; r < kRules; ++r) {
    int shown = 0;
    for (const FaultResult& f : t.faults) {
      if (shown == most) break;
      if (!(ExpectedMask(f.fault->kind) & (1u << r)) || ((f.fired >> r) & 1u)) continue;
      ++shown;
      const Footprint p = FootprintOf(*f.fault, grid);
      fmt::print("`{}` missed {} of {} at {} (magnitude {}), fired [{}]:\n", RuleName(RuleId(r)),
                 FaultKindName(f.fault->kind), fleet.meters[f.fault->source].meter.id,
                 FormatRfc3339(f.fault->start_ms), f.fault->magnitude, FiredNames(f.fired));
      PrintContext(pipeline.engine(), f.fault->source, grid, p.first, p.last);
    }
    shown = 0;
    for (const CleanFire& c : t.clean_fires) {
      if (shown == most) break;
      if (!((c.fired >> r) & 1u)) continue;
      ++shown;
      fmt::print("`{}` fired on a clean interval of {} at {}:\n", RuleName(RuleId(r)),
                 fleet.meters[c.meter].meter.id, FormatRfc3339(grid.EndOf(c.interval)));
      PrintContext(pipeline.engine(), c.meter, grid, c.interval, c.interval + 1);
    }
  }
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{
      "How many injected faults each VEE rule catches, and how many clean values it flags"};
  app.add_option("--meters", o.meters, "Simulated meters")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--days", o.days, "Days of data")
      ->check(CLI::Range(1, 366))
      ->capture_default_str();
  app.add_option("--start", o.start, "First day (YYYY-MM-DD), from 00:00 UTC")
      ->capture_default_str();
  app.add_option("--faults", o.faults, "Probability that a meter-day starts a fault")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Fleet and fault seed")->capture_default_str();
  app.add_option("--batch", o.batch, "Rows per ingest request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", o.threads, "VEE workers (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--cases", o.cases,
                 "Show up to this many misses and clean-interval alarms per rule, in context")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
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
  sim.fault_rate = o.faults;
  Result<simulate::Fleet> fleet = simulate::BuildFleet(sim.fleet);  // the one Simulate builds
  Check(fleet.status());
  const Clock::time_point t0 = Clock::now();
  Pipeline pipeline(*fleet, sim.end_ms + kDayMs, o.threads);
  PipelineSink sink(*fleet, pipeline, o.batch);
  Result<simulate::SimulationSummary> summary = simulate::Simulate(sim, sink);
  Check(summary.status());
  const Clock::time_point t1 = Clock::now();
  const Grid grid{sim.start_ms, o.days * kQuartersPerDay};
  const Tally tally = Join(pipeline, *fleet, summary->faults, grid);
  const VeeStats stats = pipeline.stats();
  fmt::print(
      "{} meters x {} days from {} 00:00 UTC, faults {} per meter-day, seed {}, "
      "batches of {} rows\n",
      o.meters, o.days, o.start, o.faults, o.seed, o.batch);
  fmt::print(
      "{} readings, {} faults; simulate + ingest + validate {:.1f} s, join {:.1f} s; "
      "VEE: {} windows, {} overlay rows, {} rewinds, {} errors\n\n",
      summary->readings, summary->faults.size(), std::chrono::duration<double>(t1 - t0).count(),
      std::chrono::duration<double>(Clock::now() - t1).count(), stats.windows, stats.overlay_rows,
      stats.rewinds, stats.errors);
  PrintRules(tally);
  fmt::print("\n");
  PrintKinds(tally);
  fmt::print("\n");
  PrintStatuses(tally);
  if (o.cases > 0) {
    fmt::print("\n");
    PrintCases(tally, pipeline, *fleet, grid, o.cases);
    PrintLateCases(tally, pipeline, *fleet, grid, o.cases);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::vee

int main(int argc, char** argv) { return metrify::vee::Main(argc, argv); }
