// `metrify simulate`: a deterministic fleet with weather, grid status and
// injected faults (src/simulate/), into files (--out) or a running server
// (--to), over a range or live (--live) until SIGINT or SIGTERM.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/command.h"
#include "common/time.h"
#include "parse/timestamp.h"
#include "simulate/simulator.h"

namespace metrify::cli {

namespace {

struct SimulateCliOptions {
  simulate::SimulationOptions sim;
  std::string start, end, out, to, format = "csv";
  size_t batch = 5000;
  bool live = false;
  double speed = 1;
};

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kQuarterMs = 900'000;

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

// The first SIGINT or SIGTERM ends a live run after the quarter hour it is
// sending (faults.csv and the summary still written); a second one kills.
void StopOnSignals() {
  struct sigaction action = {};
  action.sa_handler = [](int) { stop_requested.store(true); };
  action.sa_flags = SA_RESTART | SA_RESETHAND;  // blocking writes carry on
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int64_t ParseInstantOrFail(const std::string& flag, const std::string& text) {
  if (auto day = ParseCivilDate(text)) return *day * 86'400'000;  // days since the epoch
  if (auto t = parse::ParseTimestamp(text)) return *t;
  Fail(kExitUsage, fmt::format("{} must be a date (2025-01-15) or an RFC 3339 instant, got \"{}\"",
                               flag, text));
}

void RunSimulate(SimulateCliOptions& o) {
  if (o.out.empty() == o.to.empty()) Fail(kExitUsage, "give exactly one of --out DIR and --to URL");
  if (o.live == !o.end.empty()) Fail(kExitUsage, "give exactly one of --end and --live");
  std::unique_ptr<simulate::LiveClock> clock;
  if (o.live) {
    StopOnSignals();
    clock = simulate::MakeWallClock(o.speed, &stop_requested);
    o.sim.live = clock.get();
    // By default the last seven days are backfilled, from a quarter hour.
    const int64_t now = clock->Now();
    o.sim.start_ms = o.start.empty() ? (now - 7 * kDayMs) / kQuarterMs * kQuarterMs
                                     : ParseInstantOrFail("--start", o.start);
  } else {
    if (o.start.empty()) Fail(kExitUsage, "--start is required (or give --live)");
    o.sim.start_ms = ParseInstantOrFail("--start", o.start);
    o.sim.end_ms = ParseInstantOrFail("--end", o.end);
  }
  o.sim.format = o.format == "ndjson" ? simulate::RowFormat::kNdjson : simulate::RowFormat::kCsv;
  Result<std::unique_ptr<simulate::Sink>> sink = o.out.empty()
                                                     ? simulate::OpenServerSink(o.to, o.batch)
                                                     : simulate::OpenFileSink(o.out, o.sim.format);
  FailIfError(sink.status());
  const auto began = std::chrono::steady_clock::now();
  Result<simulate::SimulationSummary> summary = simulate::Simulate(o.sim, **sink);
  FailIfError(summary.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::cout << fmt::format(
      "simulated {} meters, {} operators, {} stations from {} to {}: {} readings, {} grid status, "
      "{} observations, {} faults in {:.1f} s ({:.0f} readings/s)\n",
      o.sim.fleet.meters, o.sim.fleet.operators, o.sim.fleet.stations,
      FormatRfc3339(o.sim.start_ms), FormatRfc3339(summary->end_ms), summary->readings,
      summary->grid_status, summary->observations, summary->faults.size(), seconds,
      summary->readings / std::max(seconds, 1e-9));
}

}  // namespace

void AddSimulateCommand(CLI::App& app) {
  auto o = std::make_shared<SimulateCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Simulate a fleet of smart meters, grid operators and weather stations, with faults");
  cmd->add_option("--meters", o->sim.fleet.meters, "Meters (ids SM000000...)")
      ->default_val(1000)
      ->check(CLI::Range(0, 1'000'000));
  cmd->add_option("--operators", o->sim.fleet.operators,
                  "Grid operators: the first N of TENNET, 50HERTZ, AMPRION, TRANSNETBW")
      ->default_val(4)
      ->check(CLI::Range(1, 4));
  cmd->add_option("--stations", o->sim.fleet.stations, "DWD weather stations (WS001...)")
      ->default_val(20)
      ->check(CLI::Range(1, 20));
  cmd->add_option("--start", o->start,
                  "First instant (UTC date or RFC 3339), on a quarter hour; with --live the "
                  "default is 7 days ago");
  cmd->add_option("--end", o->end, "End instant (exclusive for grid status)");
  cmd->add_flag("--live", o->live,
                "Backfill up to now, then send each quarter hour as it passes, until SIGINT or "
                "SIGTERM");
  cmd->add_option("--speed", o->speed,
                  "With --live: simulated time runs this many times faster than the clock")
      ->default_val(1.0)
      ->check(CLI::Range(0.001, 100000.0));
  cmd->add_option("--seed", o->sim.fleet.seed, "Random seed: the same seed, the same output")
      ->default_val(1);
  cmd->add_option("--faults", o->sim.fault_rate,
                  "Probability that a meter-day starts a fault (0 = clean data)")
      ->default_val(0.0)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--prosumers", o->sim.fleet.prosumer_share, "Share of households with rooftop PV")
      ->default_val(0.15)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--out", o->out, "Write files into this new directory");
  cmd->add_option("--format", o->format, "Row files as csv or ndjson (with --out)")
      ->check(CLI::IsMember({"csv", "ndjson"}));
  cmd->add_option("--to", o->to, "Send to the server at this URL (registers the fleet first)");
  cmd->add_option("--batch", o->batch, "Rows per request with --to")->default_val(5000);
  cmd->add_option("--threads", o->sim.threads, "Generator threads (0 = one per core)")
      ->default_val(0);
  cmd->footer(
      "Output (--out DIR): meters.csv, operators.csv, stations.csv (what `metrify meters|\n"
      "operators|stations import` read), readings/YYYY-MM-DD.csv, grid-status/OPERATOR.csv,\n"
      "observations/STATION.csv and faults.csv, the ground truth of every injected fault\n"
      "(kind, source_kind, source_id, start, end, magnitude). Fault kinds: gap, spike, stuck,\n"
      "rollover, reset, duplicate, late, clock_drift, voltage_excursion, silent,\n"
      "frequency_excursion. See docs/simulator.md.\n\n"
      "Examples:\n"
      "  metrify simulate --meters 10000 --start 2025-01-13 --end 2025-01-20 --out week\n"
      "  metrify simulate --meters 1000 --start 2025-01-13 --end 2025-01-14 --faults 0.02 \\\n"
      "      --to http://127.0.0.1:8000\n"
      "  metrify simulate --meters 1000 --live --speed 60 --faults 0.01 --to "
      "http://127.0.0.1:8000");
  cmd->callback([o] { RunSimulate(*o); });
}

}  // namespace metrify::cli
