// estimation_bench: how accurate the VEE estimation methods (src/vee/
// estimation.h) are, judged the way utilities judge them: hide known
// stretches of clean data, estimate them, compare each gap's total energy
// with the truth.
//
//   estimation_bench [--meters N] [--weeks W] [--start YYYY-MM-DD]
//                    [--gaps-per-length G] [--prosumer-share P]
//                    [--class all|household|prosumer|commercial|industrial]
//                    [--seed S] [--json]
//
// The data: the fleet simulator (src/simulate/, docs/simulator.md) run in
// process without faults: N meters (85% H0 households, 15% of them with
// rooftop PV; 12% G0 businesses; 3% L0 farms and industry; independent
// lognormal noise per quarter hour of 35% / 15% / 8% around the profile)
// × W weeks of quarter-hour readings from --start 00:00 UTC, energy and
// import register at meter resolution (1 Wh).
//
// What is measured: for every meter and each gap length (1, 2, 4, 8, 24 and
// 72 hours), G stretches at seeded random positions in the last two weeks
// are hidden, one at a time. Each method estimates the stretch from the
// rest of the meter's clean data (the neighbouring intervals, the registers
// around the gap, the weeks before and the days beside the gap for similar
// day, the meter's declared profile and annual energy): linear,
// similar_day (4 weeks, at least 2), profile, register_spread (shaped as
// EstimateGap shapes it), estimate_gap (what VEE picks, registers known)
// and estimate_gap_no_register (what VEE picks for a meter that sends no
// register). Error per gap: |estimated total - true total| / true total;
// per method and length the table gives its median and 90th percentile,
// the median signed error (bias) and, to judge the shape as well as the
// total, the median of sum |estimated - true| over the intervals / true
// total. A gap whose true total is below 0.01 kWh (a PV household's import
// at noon) has no meaningful relative error: it is counted as `tiny` and
// left out. Every method gets the same gaps; --class evaluates one kind
// of meter (the gaps drawn stay the same). The lag-1 autocorrelation of
// household load around its profile says how much a neighbouring interval
// can tell (the simulator's noise is white: nothing). A program, not a
// test.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "parse/timestamp.h"
#include "simulate/simulator.h"
#include "vee/estimation.h"

namespace metrify::vee {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kQuarterMs = 900'000;
constexpr int kQuartersPerDay = 96;
constexpr int kEvaluatedDays = 14;  // gaps lie in the last two weeks
constexpr double kTinyKwh = 0.01;
constexpr std::array<int, 6> kGapHours = {1, 2, 4, 8, 24, 72};

struct Options {
  int meters = 300;
  int weeks = 6;
  std::string start = "2025-09-22";  // a Monday; the last two weeks hold the autumn DST change
  int gaps_per_length = 4;
  double prosumer_share = 0.15;
  std::string meter_class = "all";  // or household, prosumer, commercial, industrial
  uint64_t seed = 1;
  bool json = false;
};

// One meter's clean series: value i is the interval ending at
// start + (i + 1) quarter hours.
struct MeterSeries {
  simulate::SimMeter meter;
  std::vector<double> energy, reg;
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "estimation_bench: {}\n", s.ToString());
  std::exit(1);
}

// Keeps the readings of a simulation as per-meter arrays.
class SeriesSink : public simulate::Sink {
 public:
  SeriesSink(int64_t start_ms, int intervals) : start_ms_(start_ms), intervals_(intervals) {}

  Status Begin(const simulate::Fleet& fleet) override {
    for (const simulate::SimMeter& m : fleet.meters) {
      series_.push_back(
          {m, std::vector<double>(intervals_, NAN), std::vector<double>(intervals_, NAN)});
    }
    return Status::Ok();
  }
  Status Rows(model::SeriesKind kind, std::string_view, int64_t, std::string_view text) override {
    if (kind != model::SeriesKind::kReading) return Status::Ok();
    for (std::string_view line : Split(text, '\n')) {
      if (!line.empty()) METRIFY_RETURN_IF_ERROR(AddLine(line));
    }
    return Status::Ok();
  }
  Status Finish(const simulate::Fleet&, const std::vector<simulate::Fault>&) override {
    return Status::Ok();
  }
  std::vector<MeterSeries>& series() { return series_; }

 private:
  // meter_id,timestamp,interval_s,energy_kwh,energy_export_kwh,register_kwh,...
  Status AddLine(std::string_view line) {
    const std::vector<std::string_view> cells = Split(line, ',');
    const std::optional<int64_t> t =
        cells.size() > 5 ? parse::ParseTimestamp(cells[1]) : std::nullopt;
    const std::optional<long long> meter = t ? ParseInt(cells[0].substr(2)) : std::nullopt;
    if (!meter || *meter < 0 || size_t(*meter) >= series_.size()) {
      return Status::Internal(fmt::format("unexpected reading row \"{}\"", line));
    }
    const int64_t i = (*t - start_ms_) / kQuarterMs - 1;
    if (i < 0 || i >= intervals_) return Status::Ok();
    series_[*meter].energy[i] = ParseDouble(cells[3]).value_or(NAN);
    series_[*meter].reg[i] = ParseDouble(cells[5]).value_or(NAN);
    return Status::Ok();
  }

  int64_t start_ms_;
  int intervals_;
  std::vector<MeterSeries> series_;
};

// A hidden stretch: intervals [first, first + count) of one meter.
struct HiddenGap {
  const MeterSeries* series;
  int first, count;
};

GapContext ContextOf(const HiddenGap& g, int64_t start_ms) {
  const MeterSeries& s = *g.series;
  const int before = g.first - 1, after = g.first + g.count;
  GapContext c;
  c.before_kwh = s.energy[before];
  c.after_kwh = s.energy[after];
  c.register_start_kwh = s.reg[before];
  // The register after the gap's last interval, before the next one counted.
  double end = s.reg[after] - s.energy[after];
  if (end < *c.register_start_kwh) end += s.meter.register_limit_kwh;  // rolled over
  c.register_end_kwh = end;
  const int intervals = int(s.energy.size());
  c.history = [&s, g, start_ms, intervals](int64_t end_ms) -> std::optional<double> {
    const int64_t i = (end_ms - start_ms) / kQuarterMs - 1;
    if (i < 0 || i >= intervals || (i >= g.first && i < g.first + g.count)) return std::nullopt;
    if (std::isnan(s.energy[i])) return std::nullopt;
    return s.energy[i];
  };
  c.load_profile = s.meter.profile;
  c.timezone = s.meter.meter.timezone;
  c.annual_kwh = s.meter.annual_kwh;
  return c;
}

// The methods under test, each on the same gap and context.
struct Method {
  const char* name;
  std::optional<Estimate> (*estimate)(const Gap&, const GapContext&, const RuleSet&);
};

GapContext WithoutRegisters(GapContext c) {
  c.register_start_kwh.reset();
  c.register_end_kwh.reset();
  return c;
}

// The shape EstimateGap gives a spread (estimation.h): linear up to the
// linear limit, else similar day, else profile, else flat.
std::vector<double> SpreadShape(const Gap& g, const GapContext& c, const RuleSet& r) {
  std::optional<Estimate> shape;
  if (g.hours() <= r.linear_max_gap_hours) shape = EstimateLinear(g, c);
  if (!shape) shape = EstimateSimilarDay(g, c, r.similar_day_weeks, r.similar_day_min_days);
  if (!shape) shape = EstimateProfile(g, c);
  return shape ? shape->kwh : std::vector<double>{};
}

const Method kMethods[] = {
    {"linear",
     [](const Gap& g, const GapContext& c, const RuleSet&) { return EstimateLinear(g, c); }},
    {"similar_day",
     [](const Gap& g, const GapContext& c, const RuleSet& r) {
       return EstimateSimilarDay(g, c, r.similar_day_weeks, r.similar_day_min_days);
     }},
    {"profile",
     [](const Gap& g, const GapContext& c, const RuleSet&) { return EstimateProfile(g, c); }},
    {"register_spread",
     [](const Gap& g, const GapContext& c, const RuleSet& r) {
       return EstimateRegisterSpread(g, c, SpreadShape(g, c, r));
     }},
    {"estimate_gap",
     [](const Gap& g, const GapContext& c, const RuleSet& r) { return EstimateGap(g, c, r); }},
    {"estimate_gap_no_register",
     [](const Gap& g, const GapContext& c, const RuleSet& r) {
       return EstimateGap(g, WithoutRegisters(c), r);
     }},
};
constexpr size_t kMethodCount = std::size(kMethods);

// Errors of one method at one gap length.
struct Cell {
  std::vector<double> errors;  // of the total, relative, in %, signed (> 0: too much)
  std::vector<double> shape;   // sum of |interval errors| over the true total, in %
  int no_estimate = 0, tiny = 0;
};

using Table = std::array<std::array<Cell, kGapHours.size()>, kMethodCount>;

void Evaluate(const HiddenGap& g, int64_t start_ms, size_t length, Table& table) {
  double truth = 0;
  for (int i = g.first; i < g.first + g.count; ++i) truth += g.series->energy[i];
  const Gap gap{start_ms + int64_t(g.first + 1) * kQuarterMs, g.count, 900};
  const GapContext context = ContextOf(g, start_ms);
  const RuleSet rules;
  for (size_t m = 0; m < kMethodCount; ++m) {
    Cell& cell = table[m][length];
    const std::optional<Estimate> e = kMethods[m].estimate(gap, context, rules);
    if (!e) {
      ++cell.no_estimate;
    } else if (truth < kTinyKwh) {
      ++cell.tiny;
    } else {
      double total = 0, misplaced = 0;
      for (int i = 0; i < g.count; ++i) {
        total += e->kwh[i];
        misplaced += std::abs(e->kwh[i] - g.series->energy[g.first + i]);
      }
      cell.errors.push_back((total - truth) / truth * 100);
      cell.shape.push_back(misplaced / truth * 100);
    }
  }
}

bool Complete(const MeterSeries& s, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (std::isnan(s.energy[i]) || std::isnan(s.reg[i])) return false;
  }
  return true;
}

std::string_view ClassOf(const simulate::SimMeter& m) {
  if (m.profile == "H0") return m.pv_kwp > 0 ? "prosumer" : "household";
  return m.profile == "G0" ? "commercial" : "industrial";
}

// Draws the gaps (seeded) and evaluates every method on each.
Table Run(const std::vector<MeterSeries>& fleet, int64_t start_ms, const Options& o) {
  Table table;
  std::mt19937_64 rng(o.seed);
  for (const MeterSeries& s : fleet) {
    // Drawn for every meter, so a class filter keeps the others' gaps.
    std::mt19937_64 meter_rng(rng());
    if (o.meter_class != "all" && ClassOf(s.meter) != o.meter_class) continue;
    const int intervals = int(s.energy.size());
    const int window = std::max(1, intervals - kEvaluatedDays * kQuartersPerDay);
    for (size_t length = 0; length < kGapHours.size(); ++length) {
      const int count = kGapHours[length] * 4;
      // The intervals before and after the gap must exist too.
      std::uniform_int_distribution<int> first(window, intervals - count - 1);
      for (int k = 0; k < o.gaps_per_length; ++k) {
        const HiddenGap g{&s, first(meter_rng), count};
        if (Complete(s, g.first - 1, g.first + count + 1)) Evaluate(g, start_ms, length, table);
      }
    }
  }
  return table;
}

// Lag-1 autocorrelation of the load's deviation from its profile
// (x / profile - 1) over households without PV, whose profile is the
// simulator's own expectation. Near 0: the noise is white, so a
// neighbouring interval says nothing about the next that the profile does
// not already say (which is what linear interpolation relies on).
double NoiseAutocorrelation(const std::vector<MeterSeries>& fleet, int64_t start_ms) {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (const MeterSeries& s : fleet) {
    if (ClassOf(s.meter) != "household") continue;
    GapContext c;
    c.load_profile = s.meter.profile;
    c.annual_kwh = s.meter.annual_kwh;
    const int count = int(s.energy.size());
    const std::optional<Estimate> p = EstimateProfile(Gap{start_ms + kQuarterMs, count, 900}, c);
    for (int i = 0; p && i + 1 < count; ++i) {
      const double x = s.energy[i] / p->kwh[i] - 1, y = s.energy[i + 1] / p->kwh[i + 1] - 1;
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      n += 1, sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

// The q-quantile (0..1) of sorted `v`, interpolated between neighbours.
double Quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return NAN;
  const double pos = q * double(v.size() - 1);
  const size_t lo = size_t(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

// The targets for the median: 10% up to 2 h, 20% up to 24 h.
std::optional<double> TargetPct(int hours) {
  if (hours <= 2) return 10.0;
  if (hours <= 24) return 20.0;
  return std::nullopt;
}

struct Row {
  std::string method;
  int hours = 0;
  size_t n = 0;
  int no_estimate = 0, tiny = 0;
  double median = NAN, p90 = NAN;  // of |error|
  double bias = NAN;               // median signed error: > 0 overestimates
  double intervals = NAN;          // median interval error (Cell::shape)
  std::optional<double> target;
  bool met() const { return !target || median <= *target; }
};

std::vector<Row> Summarise(Table& table) {
  std::vector<Row> rows;
  for (size_t m = 0; m < kMethodCount; ++m) {
    for (size_t l = 0; l < kGapHours.size(); ++l) {
      Cell& cell = table[m][l];
      std::vector<double> absolute;
      for (double e : cell.errors) absolute.push_back(std::abs(e));
      std::sort(absolute.begin(), absolute.end());
      std::sort(cell.errors.begin(), cell.errors.end());
      std::sort(cell.shape.begin(), cell.shape.end());
      rows.push_back({kMethods[m].name, kGapHours[l], cell.errors.size(), cell.no_estimate,
                      cell.tiny, Quantile(absolute, 0.5), Quantile(absolute, 0.9),
                      Quantile(cell.errors, 0.5), Quantile(cell.shape, 0.5),
                      TargetPct(kGapHours[l])});
    }
  }
  return rows;
}

void PrintText(const std::vector<Row>& rows, const Options& o, double sim_s, double est_s,
               double autocorrelation) {
  fmt::print("{} meters x {} weeks from {} 00:00 UTC, {} gaps per meter and length, seed {}\n",
             o.meters, o.weeks, o.start, o.gaps_per_length, o.seed);
  fmt::print("simulation {:.1f} s, estimation {:.1f} s\n", sim_s, est_s);
  fmt::print("lag-1 autocorrelation of household load around its profile: {:.3f}\n\n",
             autocorrelation);
  fmt::print("{:<25} {:>4} {:>6} {:>5} {:>5} {:>9} {:>8} {:>7} {:>11}  {}\n", "method", "gap", "n",
             "none", "tiny", "median %", "p90 %", "bias %", "interval %", "target (median)");
  for (const Row& r : rows) {
    const std::string target =
        r.target ? fmt::format("<= {:.0f} %: {}", *r.target, r.met() ? "met" : "MISSED") : "-";
    fmt::print("{:<25} {:>3}h {:>6} {:>5} {:>5} {:>9.1f} {:>8.1f} {:>+7.1f} {:>11.1f}  {}\n",
               r.method, r.hours, r.n, r.no_estimate, r.tiny, r.median, r.p90, r.bias, r.intervals,
               target);
  }
}

void PrintJson(const std::vector<Row>& rows, const Options& o, double sim_s, double est_s,
               double autocorrelation) {
  JsonWriter w;
  w.BeginObject().Key("meters").Int(o.meters).Key("weeks").Int(o.weeks);
  w.Key("start").String(o.start).Key("gaps_per_length").Int(o.gaps_per_length);
  w.Key("class").String(o.meter_class).Key("seed").Int(int64_t(o.seed));
  w.Key("simulation_s").Number(sim_s).Key("estimation_s").Number(est_s);
  w.Key("noise_lag1_autocorrelation").Number(autocorrelation);
  w.Key("results").BeginArray();
  for (const Row& r : rows) {
    w.BeginObject().Key("method").String(r.method).Key("gap_hours").Int(r.hours);
    w.Key("n").Int(int64_t(r.n)).Key("no_estimate").Int(r.no_estimate).Key("tiny").Int(r.tiny);
    w.Key("median_pct").Number(r.median).Key("p90_pct").Number(r.p90);
    w.Key("bias_pct").Number(r.bias).Key("interval_pct").Number(r.intervals).Key("target_pct");
    if (r.target) {
      w.Number(*r.target);
    } else {
      w.Null();
    }
    w.Key("met").Bool(r.met()).EndObject();
  }
  w.EndArray().EndObject();
  fmt::print("{}\n", w.str());
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{"Accuracy of the VEE estimation methods on hidden stretches of simulated data"};
  app.add_option("--meters", o.meters, "Simulated meters")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--weeks", o.weeks, "Weeks of data (gaps in the last two)")
      ->check(CLI::Range(3, 52))
      ->capture_default_str();
  app.add_option("--start", o.start, "First day (YYYY-MM-DD), from 00:00 UTC")
      ->capture_default_str();
  app.add_option("--gaps-per-length", o.gaps_per_length, "Gaps per meter and gap length")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--prosumer-share", o.prosumer_share, "Share of households with PV")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--class", o.meter_class, "Evaluate only these meters")
      ->check(CLI::IsMember({"all", "household", "prosumer", "commercial", "industrial"}))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Fleet and gap seed")->capture_default_str();
  app.add_flag("--json", o.json, "Print JSON");
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
  sim.fleet.prosumer_share = o.prosumer_share;
  // The simulator runs whole UTC days; gaps are placed by interval, so the
  // start needs no local alignment.
  sim.start_ms = *ParseCivilDate(o.start) * 86'400'000;
  sim.end_ms = sim.start_ms + int64_t(o.weeks) * 7 * 86'400'000;
  const int intervals = o.weeks * 7 * kQuartersPerDay;
  SeriesSink sink(sim.start_ms, intervals);
  const Clock::time_point t0 = Clock::now();
  Check(Simulate(sim, sink).status());
  const Clock::time_point t1 = Clock::now();
  Table table = Run(sink.series(), sim.start_ms, o);
  const double sim_s = std::chrono::duration<double>(t1 - t0).count();
  const double est_s = std::chrono::duration<double>(Clock::now() - t1).count();
  const std::vector<Row> rows = Summarise(table);
  const double autocorrelation = NoiseAutocorrelation(sink.series(), sim.start_ms);
  if (o.json) {
    PrintJson(rows, o, sim_s, est_s, autocorrelation);
  } else {
    PrintText(rows, o, sim_s, est_s, autocorrelation);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::vee

int main(int argc, char** argv) { return metrify::vee::Main(argc, argv); }
