// Validated energy per calendar bucket from raw bucket sums (docs/vee.md
// "Rollups"): the overlay holds, for every interval where the validated
// view differs from the raw reading, both the validated energy and the raw
// energy it stands for, so the validated sum is the raw sum plus
// (validated - raw) over the overlay rows. A fleet rollup keeps its fast
// raw path (block statistics) and pays one sparse overlay read per meter
// (scaled mode: one read for a chunk of meters, then ApplyOverlay each).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "query/aggregate.h"
#include "store/series_store.h"
#include "vee/status.h"

namespace metrify::vee {

// Intervals of a bucket by validated status (ValueStatus order).
using StatusCounts = std::array<uint32_t, kValueStatuses>;

// Turns `buckets`, the raw energy sums (field `energy_field`, agg sum) of
// meter `key` over `edges`, into validated ones: INVALID and MISSING energy
// out, estimates and edits in, `count` the intervals with a validated
// energy. `counts` gets, per bucket, the intervals by status; MISSING is
// what the bucket's `expected` intervals lack. `overlay` is scratch.
Status CorrectToValidated(const store::SeriesStore& engine, uint32_t key,
                          std::span<const int64_t> edges, int energy_field,
                          std::vector<query::BucketValue>* buckets,
                          std::vector<StatusCounts>* counts,
                          std::vector<engine::HeadSample>* overlay);

// The same with the meter's overlay rows already read: the latest revision
// of each, timestamps in (edges.front(), edges.back()], ascending (what
// CorrectToValidated reads; a fleet reads them for many meters at once).
void ApplyOverlay(std::span<const engine::HeadSample> overlay, std::span<const int64_t> edges,
                  int energy_field, std::vector<query::BucketValue>* buckets,
                  std::vector<StatusCounts>* counts);

}  // namespace metrify::vee
