// Per-block statistics of a value column, kept in the block header so that
// aggregate queries (sum, min, max, count, first, last over whole blocks) can
// answer without decompressing or decoding the block.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace metrify::engine::codec {

// Statistics over the non-NaN values of a block, in block order. NaN marks a
// missing reading, so it is skipped: `count` counts the other values and a
// block of only NaN has count 0, sum +0.0 and NaN for min, max, first and
// last. Infinities count as values (sum is then ±inf, or NaN if both signs
// occur). Between +0.0 and -0.0, min and max keep the earlier one.
struct BlockStats {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  uint32_t count = 0;  // non-NaN values
  double min = kNaN;
  double max = kNaN;
  // The left-to-right double sum starting from +0.0: bit-identical to
  // summing the decoded values in order, so skipping a block changes nothing.
  double sum = 0.0;
  double first = kNaN;  // the first non-NaN value
  double last = kNaN;   // the last non-NaN value
};

// Computes the statistics of `values`.
BlockStats ComputeStats(std::span<const double> values);

// Appends the stats section (docs/format/column-block.md, "Stats section"):
// min, max, first and last as decimal integers when they are short decimals
// (the usual case), raw doubles otherwise; sum always raw.
void EncodeStats(const BlockStats& stats, std::string* dst);

// Reads a stats section from the front of *input and advances it. Returns
// Corruption when it is truncated, claims more than `value_count` values or
// has an unknown scale byte.
Status DecodeStats(std::string_view* input, uint32_t value_count, BlockStats* stats);

}  // namespace metrify::engine::codec
