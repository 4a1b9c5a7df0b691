// Format: docs/format/column-block.md, "Stats section".
#include "store/engine/codec/block_stats.h"

#include <fmt/format.h>
#include <array>
#include <cmath>
#include <vector>

#include "common/varint.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/codec/format.h"
#include "store/engine/codec/scaled_int_codec.h"

namespace metrify::engine::codec {
namespace {

// Field order on disk.
std::array<double*, 4> Extremes(BlockStats* s) { return {&s->min, &s->max, &s->first, &s->last}; }

Status ReadDouble(std::string_view* input, double* v) {
  if (input->size() < 8) return Status::Corruption("truncated block stats");
  *v = DecodeDouble(input->data());
  input->remove_prefix(8);
  return Status::Ok();
}

Status ReadScaled(std::string_view* input, int scale, double* v) {
  int64_t n = 0;
  METRIFY_RETURN_IF_ERROR(GetVarsint64(input, &n));
  if (n > kMaxScaledMagnitude || n < -kMaxScaledMagnitude) {
    return Status::Corruption("block stats integer beyond 2^53");
  }
  *v = ScaledToDouble(n, scale);
  return Status::Ok();
}

}  // namespace

BlockStats ComputeStats(std::span<const double> values) {
  BlockStats s;
  for (double v : values) {
    if (std::isnan(v)) continue;
    if (s.count == 0) s.min = s.max = s.first = v;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    s.sum += v;
    s.last = v;
    ++s.count;
  }
  return s;
}

void EncodeStats(const BlockStats& stats, std::string* dst) {
  PutVarint64(dst, stats.count);
  if (stats.count == 0) return;
  const double values[4] = {stats.min, stats.max, stats.first, stats.last};  // as Extremes()
  int scale = 0;
  std::vector<int64_t> ints;
  if (ToScaledInts(values, &scale, &ints)) {
    dst->push_back(static_cast<char>(scale));
    for (int64_t n : ints) PutVarsint64(dst, n);
  } else {
    dst->push_back(static_cast<char>(kStatsRawDoubles));
    for (double v : values) PutDouble(dst, v);
  }
  PutDouble(dst, stats.sum);
}

Status DecodeStats(std::string_view* input, uint32_t value_count, BlockStats* stats) {
  *stats = BlockStats();
  uint64_t count = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(input, value_count, &count));
  stats->count = static_cast<uint32_t>(count);
  if (count == 0) return Status::Ok();
  if (input->empty()) return Status::Corruption("truncated block stats");
  const uint8_t scale = static_cast<uint8_t>(input->front());
  input->remove_prefix(1);
  if (scale > kMaxScale && scale != kStatsRawDoubles) {
    return Status::Corruption(fmt::format("block stats scale byte {}", scale));
  }
  for (double* field : Extremes(stats)) {
    METRIFY_RETURN_IF_ERROR(scale == kStatsRawDoubles ? ReadDouble(input, field)
                                                      : ReadScaled(input, scale, field));
  }
  return ReadDouble(input, &stats->sum);
}

}  // namespace metrify::engine::codec
