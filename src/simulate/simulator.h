// Simulator: runs a fleet over a time range, day by day, into a Sink:
// weather, grid frequency, every meter's readings with its faults (in
// parallel over meters), late arrivals when they arrive, grid status from
// the fleet's load, and the faults' ground truth at the end. A live run
// backfills up to its clock's present, then sends each quarter hour as the
// clock passes it; what it sends up to its stop is what a backfill over the
// same range sends (in another order: quarter hour by quarter hour).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "simulate/fleet.h"
#include "simulate/live_clock.h"
#include "simulate/rows.h"
#include "simulate/sink.h"

namespace metrify::simulate {

struct SimulationOptions {
  FleetOptions fleet;
  int64_t start_ms = 0;  // UTC, on a quarter hour
  int64_t end_ms = 0;    // exclusive for grid status; readings end at or before it
  // Set for a live run, which ignores end_ms and ends when the clock stops,
  // at the last quarter hour the clock passed.
  LiveClock* live = nullptr;
  // Rollovers are planned (the register start set so that the meter rolls
  // over on its day) up to here; 0: end_ms, or for a live run a day past
  // the clock's present at its start. Two runs agree only with the same.
  int64_t plan_until_ms = 0;
  double fault_rate = 0;  // probability that a meter-day starts a fault
  RowFormat format = RowFormat::kCsv;
  int threads = 0;  // 0 = one per core
};

struct SimulationSummary {
  int64_t readings = 0, grid_status = 0, observations = 0;
  int64_t end_ms = 0;  // where the run ended: end_ms, or a live run's last quarter hour
  std::vector<Fault> faults;
};

// Errors: InvalidArgument for options out of range; the sink's errors.
Result<SimulationSummary> Simulate(const SimulationOptions& options, Sink& sink);

}  // namespace metrify::simulate
