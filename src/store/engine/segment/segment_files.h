// Names and housekeeping of segment files in the data directory
// (docs/format/segment.md, "File naming"):
//
//   <root>/<kind>/<yyyy-mm-dd>/<seq>.seg   e.g. data/engine/reading/2025-01-15/00000001.seg
//
// where <kind> is model::SeriesKindName, the date is the UTC-day partition
// and <seq> an 8-digit decimal sequence number, increasing within a
// partition directory. A name ending ".seg.tmp" is a segment being written
// (or abandoned by a crash): never a segment.
//
// Thread safety: the functions hold no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "model/series.h"

namespace metrify::engine::segment {

// "<root>/<kind>/<yyyy-mm-dd>" for partition `day` (days since 1970-01-01).
std::string PartitionDir(const std::string& root, model::SeriesKind kind, int32_t day);

// "<seq, 8 digits>.seg".
std::string SegmentFileName(uint32_t seq);

// The sequence numbers of the segments in `dir`, ascending; names that are
// not "<8 digits>.seg" (including ".tmp" leftovers) are ignored. Returns an
// empty list when `dir` does not exist; IOError otherwise.
Result<std::vector<uint32_t>> ListSegments(FileSystem* fs, const std::string& dir);

// Removes every "*.seg.tmp" in `dir` (a segment whose write a crash
// interrupted: its data is still in the WAL) and syncs the directory.
// Returns how many were removed; IOError from the file system.
// REQUIRES: no SegmentWriter is writing into `dir`.
Result<int> RemoveLeftoverTemps(FileSystem* fs, const std::string& dir);

}  // namespace metrify::engine::segment
