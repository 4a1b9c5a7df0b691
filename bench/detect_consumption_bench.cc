// detect_consumption_bench: how well the consumption detector
// (src/detect/consumption_detector.h) finds the simulator's injected
// spikes, and how often it alarms on clean data (issue 6).
//
//   detect_consumption_bench [--meters N] [--days D] [--start YYYY-MM-DD]
//                            [--faults RATE] [--seed S] [--warmup-days W]
//                            [--utc-offset-s O] [--warning-z Z] [--min-ratio R]
//                            [--min-excess-of-mean E] [--peak-ratio P]
//                            [--floor-of-mean F] [--min-spread S] [--cases N]
//
// The data: the fleet simulator (src/simulate/, docs/simulator.md) run in
// process with faults (each meter-day starts one of the ten meter fault
// kinds with probability RATE), its reading rows kept per meter as arrays
// of interval energy (a late reading lands where it belongs; a clock-drifted
// one on the grid interval its timestamp falls in; a missing one stays
// missing). Each meter's intervals are fed in time order to one
// ConsumptionDetector with the shipped rules (or the flags' overrides).
//
// Scoring, after W warm-up days (not scored): a spike fault is caught when
// the detector fired on its interval. A clean meter-day is a UTC day of a
// meter that no fault of any kind touches (a fault's intervals widened by
// one interval each side); every finding on one is a false alarm. The
// targets: recall >= 0.95 on spikes, < 1 false alarm per 1,000 clean
// meter-days. A program, not a test.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "detect/consumption_detector.h"
#include "parse/timestamp.h"
#include "simulate/simulator.h"

namespace metrify::detect {
namespace {

using Clock = std::chrono::steady_clock;
using simulate::Fault;
using simulate::FaultKind;

constexpr int64_t kQuarterMs = 900'000;
constexpr int kQuartersPerDay = 96;
constexpr int kKinds = 11;

struct Options {
  int meters = 1000;
  int days = 42;
  std::string start = "2025-01-13";  // a Monday, no DST change in six weeks
  double faults = 0.05;
  uint64_t seed = 1;
  int warmup_days = 14;
  int utc_offset_s = 3600;  // the fleet's Europe/Berlin in winter
  std::optional<double> warning_z, min_ratio, peak_ratio, neighbour_ratio, min_excess_of_mean,
      floor_of_mean, min_spread;
  int cases = 0;  // false alarms and missed spikes to show
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "detect_consumption_bench: {}\n", s.ToString());
  std::exit(1);
}

// Every meter's interval energies: value i is the interval ending at
// start + (i + 1) quarter hours; NaN when none arrived.
class EnergySink : public simulate::Sink {
 public:
  EnergySink(int64_t start_ms, int intervals) : start_ms_(start_ms), intervals_(intervals) {}

  Status Begin(const simulate::Fleet& fleet) override {
    energy_.assign(fleet.meters.size(), std::vector<double>(intervals_, NAN));
    classes_.clear();
    for (const simulate::SimMeter& m : fleet.meters) {
      classes_.push_back(
          fmt::format("{}{} {:.0f} kWh/a", m.profile, m.pv_kwp > 0 ? "+PV" : "", m.annual_kwh));
    }
    return Status::Ok();
  }
  Status Rows(model::SeriesKind kind, std::string_view, int64_t, std::string_view text) override {
    if (kind != model::SeriesKind::kReading) return Status::Ok();
    for (std::string_view line : Split(text, '\n')) {
      if (line.empty()) continue;
      // meter_id,timestamp,interval_s,energy_kwh,...
      const std::vector<std::string_view> cells = Split(line, ',');
      const std::optional<int64_t> t =
          cells.size() > 3 ? parse::ParseTimestamp(cells[1]) : std::nullopt;
      const std::optional<long long> meter = t ? ParseInt(cells[0].substr(2)) : std::nullopt;
      if (!meter || *meter < 0 || size_t(*meter) >= energy_.size()) {
        return Status::Internal(fmt::format("unexpected reading row \"{}\"", line));
      }
      // Off-grid (drifted) timestamps: the grid interval they fall in.
      const int64_t i = FloorDiv(*t - start_ms_ + kQuarterMs - 1, kQuarterMs) - 1;
      if (i < 0 || i >= intervals_) continue;
      energy_[*meter][i] = ParseDouble(cells[3]).value_or(NAN);
    }
    return Status::Ok();
  }
  Status Finish(const simulate::Fleet&, const std::vector<Fault>&) override { return Status::Ok(); }
  const std::vector<std::vector<double>>& energy() const { return energy_; }
  // "H0+PV 3100 kWh/a": the meter's profile, PV and declared annual energy.
  const std::vector<std::string>& classes() const { return classes_; }

 private:
  int64_t start_ms_;
  int intervals_;
  std::vector<std::vector<double>> energy_;
  std::vector<std::string> classes_;
};

struct Score {
  int spikes = 0, caught = 0, caught_critical = 0;
  int64_t clean_days = 0, false_findings = 0, false_days = 0;
  std::vector<int> fired_in_kind = std::vector<int>(kKinds, 0);
  std::vector<int> faults_of_kind = std::vector<int>(kKinds, 0);
  int64_t judged = 0, findings = 0;
};

// "0.031 [0.12] 0.04": the interval's energy between its neighbours' (kWh).
std::string Around(const std::vector<double>& e, size_t i) {
  return fmt::format("{:.3f} [{:.3f}] {:.3f}", i > 0 ? e[i - 1] : NAN, e[i],
                     i + 1 < e.size() ? e[i + 1] : NAN);
}

Score Run(const std::vector<std::vector<double>>& energy, const std::vector<std::string>& classes,
          const std::vector<Fault>& faults, int64_t start_ms, const ConsumptionRules& rules,
          const Options& o) {
  const int days = o.days;
  const int64_t warmup_end = start_ms + int64_t{o.warmup_days} * 86'400'000;
  Score score;
  // Which meter-days any fault touches, and each meter's faults.
  std::vector<std::vector<char>> touched(energy.size(), std::vector<char>(days, 0));
  std::vector<std::vector<const Fault*>> of_meter(energy.size());
  for (const Fault& f : faults) {
    if (f.kind == FaultKind::kFrequencyExcursion) continue;  // an operator's, not a meter's
    of_meter[f.source].push_back(&f);
    const int64_t first = FloorDiv(f.start_ms - 2 * kQuarterMs - start_ms, 86'400'000);
    const int64_t last = FloorDiv(f.end_ms + kQuarterMs - start_ms, 86'400'000);
    for (int64_t d = std::max<int64_t>(0, first); d <= last && d < days; ++d) {
      touched[f.source][d] = 1;
    }
  }
  std::vector<char> fired;
  std::vector<std::string> messages;
  std::vector<double> expected;
  int shown = 0, misses_shown = 0;
  for (size_t m = 0; m < energy.size(); ++m) {
    ConsumptionDetector detector;
    fired.assign(energy[m].size(), 0);
    messages.assign(energy[m].size(), std::string());
    expected.assign(o.cases > 0 ? energy[m].size() : 0, NAN);
    for (size_t i = 0; i < energy[m].size(); ++i) {
      if (std::isnan(energy[m][i])) continue;
      const int64_t end = start_ms + int64_t(i + 1) * kQuarterMs;
      if (o.cases > 0) {
        expected[i] =
            detector.ExpectedKwh(ConsumptionDetector::HourOfWeek(end, 900, o.utc_offset_s), rules)
                .value_or(NAN);
      }
      std::optional<Verdict> v =
          detector.Observe(end, energy[m][i], 900, rules, "SM", o.utc_offset_s);
      if (!v) continue;
      ++score.judged;
      if (!v->finding) continue;
      ++score.findings;
      // The verdict is the previous interval's (one interval late): its end.
      const int64_t at = (v->finding->at_ms - start_ms) / kQuarterMs - 1;
      if (at < 0 || at >= int64_t(fired.size())) continue;
      fired[at] = v->finding->severity == alerts::Severity::kCritical ? 2 : 1;
      if (o.cases > 0) messages[at] = v->finding->message;
    }
    std::vector<int> per_day(days, 0);
    for (size_t i = 0; i < fired.size(); ++i) per_day[i / kQuartersPerDay] += fired[i] ? 1 : 0;
    for (int d = o.warmup_days; d < days; ++d) {
      if (touched[m][d]) continue;
      ++score.clean_days;
      score.false_findings += per_day[d];
      score.false_days += per_day[d] > 0;
      for (int q = 0; q < kQuartersPerDay && per_day[d] > 0 && shown < o.cases; ++q) {
        const size_t i = size_t(d) * kQuartersPerDay + q;
        if (!fired[i]) continue;
        ++shown;
        fmt::print("false alarm: meter {} ({}) at {}: {} (baseline {:.3f}): {}\n", m, classes[m],
                   FormatRfc3339(start_ms + int64_t(i + 1) * kQuarterMs), Around(energy[m], i),
                   expected[i], messages[i]);
      }
    }
    for (const Fault* f : of_meter[m]) {
      if (f->start_ms < warmup_end) continue;
      const int k = static_cast<int>(f->kind);
      ++score.faults_of_kind[k];
      const int64_t first = (f->start_ms - start_ms) / kQuarterMs - 1;
      const int64_t last =
          std::min<int64_t>((f->end_ms - start_ms) / kQuarterMs - 1, int64_t(fired.size()));
      char best = 0;
      for (int64_t i = std::max<int64_t>(0, first); i < last; ++i) best = std::max(best, fired[i]);
      if (best) ++score.fired_in_kind[k];
      if (f->kind == FaultKind::kSpike) {
        ++score.spikes;
        score.caught += best > 0;
        score.caught_critical += best == 2;
        if (!best && misses_shown < o.cases) {
          ++misses_shown;
          const size_t i = size_t(first);
          fmt::print("missed spike: meter {} ({}) at {}: x{:.1f}, {} (baseline {:.3f})\n", m,
                     classes[m], FormatRfc3339(f->start_ms), f->magnitude, Around(energy[m], i),
                     expected[i]);
        }
      }
    }
  }
  return score;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{"Recall on spikes and false alarms of the consumption detector"};
  app.add_option("--meters", o.meters, "Simulated meters")->capture_default_str();
  app.add_option("--days", o.days, "Days simulated")
      ->check(CLI::Range(15, 400))
      ->capture_default_str();
  app.add_option("--start", o.start, "First day (YYYY-MM-DD), 00:00 UTC")->capture_default_str();
  app.add_option("--faults", o.faults, "Fault rate per meter-day")->capture_default_str();
  app.add_option("--seed", o.seed, "Fleet and fault seed")->capture_default_str();
  app.add_option("--warmup-days", o.warmup_days, "Days not scored")->capture_default_str();
  app.add_option("--utc-offset-s", o.utc_offset_s, "Offset for the hour of the week")
      ->capture_default_str();
  app.add_option("--warning-z", o.warning_z, "Override consumption.warning_z");
  app.add_option("--min-ratio", o.min_ratio, "Override consumption.min_ratio");
  app.add_option("--peak-ratio", o.peak_ratio, "Override consumption.peak_ratio");
  app.add_option("--neighbour-ratio", o.neighbour_ratio, "Override consumption.neighbour_ratio");
  app.add_option("--min-excess-of-mean", o.min_excess_of_mean,
                 "Override consumption.min_excess_of_mean");
  app.add_option("--floor-of-mean", o.floor_of_mean, "Override consumption.floor_of_mean");
  app.add_option("--min-spread", o.min_spread, "Override consumption.min_spread");
  app.add_option("--cases", o.cases, "False alarms and missed spikes to show");
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
  Result<DetectRules> loaded = LoadDetectRules();
  Check(loaded.status());
  ConsumptionRules rules = loaded->consumption;
  if (o.warning_z) rules.warning_z = *o.warning_z;
  if (o.min_ratio) rules.min_ratio = *o.min_ratio;
  if (o.peak_ratio) rules.peak_ratio = *o.peak_ratio;
  if (o.neighbour_ratio) rules.neighbour_ratio = *o.neighbour_ratio;
  if (o.min_excess_of_mean) rules.min_excess_of_mean = *o.min_excess_of_mean;
  if (o.floor_of_mean) rules.floor_of_mean = *o.floor_of_mean;
  if (o.min_spread) rules.min_spread = *o.min_spread;

  simulate::SimulationOptions sim;
  sim.fleet.meters = o.meters;
  sim.fleet.seed = o.seed;
  sim.start_ms = *ParseCivilDate(o.start) * 86'400'000;
  sim.end_ms = sim.start_ms + int64_t{o.days} * 86'400'000;
  sim.fault_rate = o.faults;
  EnergySink sink(sim.start_ms, o.days * kQuartersPerDay);
  const Clock::time_point t0 = Clock::now();
  Result<simulate::SimulationSummary> summary = Simulate(sim, sink);
  Check(summary.status());
  const Clock::time_point t1 = Clock::now();
  const Score s = Run(sink.energy(), sink.classes(), summary->faults, sim.start_ms, rules, o);
  const double sim_s = std::chrono::duration<double>(t1 - t0).count();
  const double det_s = std::chrono::duration<double>(Clock::now() - t1).count();

  fmt::print("{} meters x {} days from {}, fault rate {}, seed {}, warm-up {} days, UTC{:+}s\n",
             o.meters, o.days, o.start, o.faults, o.seed, o.warmup_days, o.utc_offset_s);
  fmt::print(
      "rules: warning_z {} critical_z {} min_ratio {} min_excess_of_mean {} floor_kwh {} "
      "floor_of_mean {} min_spread {} peak_ratio {} neighbour_ratio {}\n",
      rules.warning_z, rules.critical_z, rules.min_ratio, rules.min_excess_of_mean, rules.floor_kwh,
      rules.floor_of_mean, rules.min_spread, rules.peak_ratio, rules.neighbour_ratio);
  fmt::print("state: {} bytes per meter ({:.1f} MB per 100,000 meters)\n",
             sizeof(ConsumptionDetector), sizeof(ConsumptionDetector) * 1e5 / 1e6);
  fmt::print("simulation {:.1f} s; detection {:.2f} s ({:.1f} M intervals/s)\n", sim_s, det_s,
             s.judged / det_s / 1e6);
  const double recall = s.spikes ? double(s.caught) / s.spikes : NAN;
  const double per_1000 = s.clean_days ? 1000.0 * s.false_findings / s.clean_days : NAN;
  fmt::print("spike recall: {}/{} = {:.3f} (target >= 0.95; CRITICAL {})  {}\n", s.caught, s.spikes,
             recall, s.caught_critical, recall >= 0.95 ? "met" : "NOT met");
  fmt::print(
      "false alarms: {} findings on {} of {} clean meter-days = {:.3f} per 1,000 "
      "(target < 1)  {}\n",
      s.false_findings, s.false_days, s.clean_days, per_1000, per_1000 < 1 ? "met" : "NOT met");
  fmt::print("findings {} of {} judged intervals; faults (scored) with a finding, by kind:\n",
             s.findings, s.judged);
  for (int k = 0; k < simulate::kMeterFaultKinds; ++k) {
    fmt::print("  {:<14} {:>4} of {:>4}\n", simulate::FaultKindName(static_cast<FaultKind>(k)),
               s.fired_in_kind[k], s.faults_of_kind[k]);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::detect

int main(int argc, char** argv) { return metrify::detect::Main(argc, argv); }
