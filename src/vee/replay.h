// After a restart: VEE's progress lives in memory (docs/vee.md "Restarts"),
// so readings acknowledged just before a crash may never have been
// validated. They are the ones the engine replays from its WAL (it flushes
// only complete days), so telling VEE of each replayed meter's span
// validates those days again; what was validated already is rewritten
// identically, a no-op in the engine.
#pragma once

#include "store/engine/readings_engine.h"
#include "vee/vee_service.h"

namespace metrify::vee {

// Observes the span of replayed readings of every meter in `report`.
// Returns how many meters that was.
size_t ObserveReplayed(VeeService& validation, const engine::OpenReport& report);

}  // namespace metrify::vee
