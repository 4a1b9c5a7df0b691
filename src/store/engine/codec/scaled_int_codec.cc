// Format: docs/format/column-block.md, "Scaled-integer payload".
//
// Meter values are short decimals, so their integers are small and their
// differences smaller still: a voltage random walk at 0.1 V needs 2-3 bits
// per value as first differences, a noisy load profile about 7. Varints would
// spend at least a byte on each; mini-block bit packing (as Parquet's
// DELTA_BINARY_PACKED) spends the bits the mini-block's range needs.
#include "store/engine/codec/scaled_int_codec.h"

#include <fmt/format.h>
#include <algorithm>
#include <bit>
#include <cmath>

#include "common/varint.h"
#include "store/engine/codec/bit_stream.h"
#include "store/engine/codec/format.h"

namespace metrify::engine::codec {
namespace {

constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
constexpr int64_t kPow10Int[kMaxScale + 1] = {1,      10,      100,      1000,      10000,
                                              100000, 1000000, 10000000, 100000000, 1000000000};
constexpr int kMaxOrder = 2;

// Sets *n to the integer of `v` at scale k when v round-trips bit-exactly.
bool FitsScale(double v, int k, int64_t* n) {
  const double scaled = v * kPow10[k];
  if (!(std::fabs(scaled) <= static_cast<double>(kMaxScaledMagnitude))) return false;  // NaN too
  // v * 10^k carries up to two roundings, |n| * 2^-52 <= 2 near 2^53, so the
  // integer is the rounded product or one of its neighbours.
  const int64_t rounded = std::llround(scaled);
  for (int64_t candidate : {rounded, rounded - 1, rounded + 1, rounded - 2, rounded + 2}) {
    if (candidate > kMaxScaledMagnitude || candidate < -kMaxScaledMagnitude) continue;
    if (std::bit_cast<uint64_t>(ScaledToDouble(candidate, k)) == std::bit_cast<uint64_t>(v)) {
      *n = candidate;
      return true;
    }
  }
  return false;
}

// Moves integers found at scale `from` to scale `to` (n * 10^(to-from)); the
// decoded doubles are unchanged since both divisions round the same rational.
bool Rescale(std::span<int64_t> ints, int from, int to) {
  const int64_t factor = kPow10Int[to - from];
  const int64_t limit = kMaxScaledMagnitude / factor;
  for (int64_t& n : ints) {
    if (n > limit || n < -limit) return false;
    n *= factor;
  }
  return true;
}

// The order-th differences of `ints`, skipping the `order` seed positions.
std::vector<int64_t> Residuals(std::span<const int64_t> ints, int order) {
  std::vector<int64_t> r(ints.begin(), ints.end());
  for (int o = 0; o < order; ++o) {
    for (size_t i = r.size() - 1; i > static_cast<size_t>(o); --i) r[i] -= r[i - 1];
  }
  r.erase(r.begin(), r.begin() + order);
  return r;
}

struct Frame {
  int64_t min;
  int width;  // bits per packed value, 0..64
};

Frame FrameOf(std::span<const int64_t> r) {
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  const uint64_t range = static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo);
  return {*lo, static_cast<int>(std::bit_width(range))};
}

size_t PackedSize(std::span<const int64_t> r) {
  size_t size = 0;
  for (size_t i = 0; i < r.size(); i += kMiniBlockValues) {
    const auto mini = r.subspan(i, std::min(kMiniBlockValues, r.size() - i));
    const Frame f = FrameOf(mini);
    size += VarintLength(ZigZagEncode(f.min)) + 1 + (mini.size() * f.width + 7) / 8;
  }
  return size;
}

void Pack(std::span<const int64_t> r, std::string* dst) {
  for (size_t i = 0; i < r.size(); i += kMiniBlockValues) {
    const auto mini = r.subspan(i, std::min(kMiniBlockValues, r.size() - i));
    const Frame f = FrameOf(mini);
    PutVarsint64(dst, f.min);
    dst->push_back(static_cast<char>(f.width));
    BitWriter bits(dst);
    for (int64_t v : mini)
      bits.Write(static_cast<uint64_t>(v) - static_cast<uint64_t>(f.min), f.width);
    bits.Finish();
  }
}

// Reads `count` residuals (mini-blocks) from the front of *payload.
Status Unpack(std::string_view* payload, size_t count, std::vector<int64_t>* out) {
  for (size_t i = 0; i < count; i += kMiniBlockValues) {
    const size_t m = std::min(kMiniBlockValues, count - i);
    int64_t min = 0;
    METRIFY_RETURN_IF_ERROR(GetVarsint64(payload, &min));
    if (payload->empty()) return Status::Corruption("truncated mini-block header");
    const int width = static_cast<uint8_t>(payload->front());
    payload->remove_prefix(1);
    if (width > 64) return Status::Corruption(fmt::format("mini-block bit width {}", width));
    const size_t bytes = (m * width + 7) / 8;
    if (payload->size() < bytes) return Status::Corruption("truncated mini-block");
    BitReader bits(payload->substr(0, bytes));
    for (size_t j = 0; j < m; ++j) {
      uint64_t v = 0;
      bits.Read(width, &v);  // cannot fail: `bytes` covers m * width bits
      out->push_back(static_cast<int64_t>(static_cast<uint64_t>(min) + v));
    }
    payload->remove_prefix(bytes);
  }
  return Status::Ok();
}

// Undoes Residuals in place (wrapping, so corrupt input cannot overflow) and
// checks the integers stay within what an encoder writes.
Status Integrate(std::span<int64_t> x, int order) {
  for (int o = order; o > 0; --o) {
    for (size_t i = o; i < x.size(); ++i) {
      x[i] = static_cast<int64_t>(static_cast<uint64_t>(x[i]) + static_cast<uint64_t>(x[i - 1]));
    }
  }
  for (int64_t n : x) {
    if (n > kMaxScaledMagnitude || n < -kMaxScaledMagnitude) {
      return Status::Corruption(fmt::format("scaled integer {} beyond 2^53", n));
    }
  }
  return Status::Ok();
}

}  // namespace

double ScaledToDouble(int64_t n, int k) { return static_cast<double>(n) / kPow10[k]; }

bool ToScaledInts(std::span<const double> values, int* scale, std::vector<int64_t>* ints) {
  int k = 0;
  ints->clear();
  ints->reserve(values.size());
  for (double v : values) {
    int64_t n = 0;
    int needed = k;
    while (!FitsScale(v, needed, &n)) {
      if (++needed > kMaxScale) return false;
    }
    if (needed > k) {
      if (!Rescale(*ints, k, needed)) return false;
      k = needed;
    }
    ints->push_back(n);
  }
  *scale = k;
  return true;
}

void EncodeScaledInts(std::span<const int64_t> ints, int scale, std::string* dst) {
  // Seeds (the first `order` values, as value and first difference) are kept
  // out of the packed residuals so they do not widen the first mini-block.
  const int max_order = std::min<int>(kMaxOrder, static_cast<int>(ints.size()) - 1);
  std::vector<int64_t> residuals[kMaxOrder + 1];
  int best_order = 0;
  size_t best_size = SIZE_MAX;
  for (int order = 0; order <= max_order; ++order) {
    residuals[order] = Residuals(ints, order);
    size_t size = PackedSize(residuals[order]);
    for (int s = 0; s < order; ++s) size += VarintLength(ZigZagEncode(residuals[s][0]));
    if (size < best_size) {
      best_size = size;
      best_order = order;
    }
  }
  dst->push_back(static_cast<char>(scale | best_order << 4));
  for (int s = 0; s < best_order; ++s) PutVarsint64(dst, residuals[s][0]);
  Pack(residuals[best_order], dst);
}

Status DecodeScaledInts(std::string_view payload, size_t count, std::vector<double>* out) {
  if (count == 0) return Status::Corruption("scaled-integer payload for an empty block");
  if (payload.empty()) return Status::Corruption("truncated scaled-integer payload");
  const int scale = payload[0] & 0x0F;
  const int order = static_cast<uint8_t>(payload[0]) >> 4;
  payload.remove_prefix(1);
  if (scale > kMaxScale || order > kMaxOrder || static_cast<size_t>(order) >= count) {
    return Status::Corruption(fmt::format("scaled-integer scale {} order {}", scale, order));
  }
  std::vector<int64_t> x(order);
  for (int64_t& seed : x) METRIFY_RETURN_IF_ERROR(GetVarsint64(&payload, &seed));
  METRIFY_RETURN_IF_ERROR(Unpack(&payload, count - order, &x));
  if (!payload.empty()) return Status::Corruption("bytes after the last scaled integer");
  METRIFY_RETURN_IF_ERROR(Integrate(x, order));
  for (int64_t n : x) out->push_back(ScaledToDouble(n, scale));
  return Status::Ok();
}

}  // namespace metrify::engine::codec
