// The validated view of one meter's readings (docs/vee.md "Reading the
// validated view"): one point per interval of the meter's grid, the overlay
// row VEE stored where there is one, else the raw reading (MEASURED,
// nothing fired), else MISSING; an edit a person made stands above both.
// This is what GET .../readings?version=validated and quality reports show.
//
// Thread safety: a pure read of the engine; call from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "common/status.h"
#include "query/aggregate.h"
#include "store/series_store.h"
#include "vee/validator.h"

namespace metrify::vee {

struct ValidatedPoint {
  // The values the platform vouches for: energies and register as VEE
  // decided them (absent when INVALID or MISSING), the other fields as
  // the meter sent them, less those out of their range.
  query::Point point;
  ValidatedInterval row;     // status, rule or method, fired rules, quality
  uint16_t raw_present = 0;  // fields the raw reading carried (0: none came)
};

struct ValidatedReadOptions {
  int64_t now_ms = 0;  // intervals ending after now are not shown as missing
  // Intervals with nothing stored count as MISSING only from here on: the
  // meter's installation (INT64_MIN: from its first point in the range).
  int64_t missing_from_ms = INT64_MIN;
  double due_after_hours = 4;                      // the gap rule's, for timeliness
  const std::map<int64_t, Edit>* edits = nullptr;  // by grid end; may be null
};

// The validated points of meter `key` with interval ends in [start_ms,
// end_ms), ascending. A raw reading off the grid shows at the grid end it
// is nearest to (VEE snaps it there, or refuses it as misaligned).
Status ReadValidated(store::SeriesStore& engine, uint32_t key, const MeterInfo& meter,
                     int64_t start_ms, int64_t end_ms, const ValidatedReadOptions& options,
                     std::vector<ValidatedPoint>* out);

// Whether a point's energy counts in rollups: MEASURED, ESTIMATED, EDITED.
bool CountsInRollups(ValueStatus status);

}  // namespace metrify::vee
