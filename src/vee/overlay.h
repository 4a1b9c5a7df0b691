// The VEE overlay (docs/vee.md "Storage"): VEE stores a validated interval
// only where it differs from the raw reading, as a sample of
// model::SeriesKind::kVeeOverlay keyed by the meter. The validated view of
// an interval is its overlay row when there is one, else the raw reading
// (MEASURED, nothing fired). A row that once differed and no longer does is
// overwritten by a "plain" row carrying the raw values, so the rule holds
// without deletes.
#pragma once

#include <cstdint>

#include "store/engine/head/head.h"
#include "store/engine/wal/sample_batch.h"
#include "vee/validator.h"

namespace metrify::vee {

// Overlay field indices (model/series.cc order).
namespace overlay_field {
inline constexpr int kEnergy = 0, kExport = 1, kRegister = 2, kRawEnergy = 3, kVerdict = 4,
                     kLateBy = 5;
}

// The verdict field, an integer exact in a double (38 bits): status (bits
// 0-2), rule (3-9), out-of-range raw fields (10-21), fired rules 0-15
// (22-37; only validation rules fire, and their ids are below 16).
double PackVerdict(const ValidatedInterval& row);
void UnpackVerdict(double verdict, ValidatedInterval* row);

// `row` as an overlay sample of meter `key`; `raw_energy` is the raw
// reading's energy it stands for (NaN: none).
engine::wal::WalSample ToOverlay(uint32_t key, int32_t interval_s, const ValidatedInterval& row,
                                 double raw_energy);
// An overlay sample back as a validated interval (quality not set).
ValidatedInterval FromOverlay(const engine::HeadSample& sample);

// Whether `row` says nothing the raw reading does not: MEASURED, nothing
// fired or out of range, not late, and the raw energy itself. Such rows are
// not stored unless they replace an overlay row.
bool IsPlain(const ValidatedInterval& row, double raw_energy);

}  // namespace metrify::vee
