// Format: docs/format/column-block.md, "Gorilla payload".
//
// Per value after the first (64 raw bits), with x = bits XOR previous bits:
//   '0'                          x == 0
//   '10' + meaningful bits       x fits the previous window
//   '11' + 5 bits leading zeros + 6 bits length (64 written as 0) + bits
// Leading zeros are capped at 31 to fit 5 bits, as in the paper.
#include "store/engine/codec/gorilla_codec.h"

#include <fmt/format.h>
#include <algorithm>
#include <bit>
#include <cstdint>

#include "store/engine/codec/bit_stream.h"

namespace metrify::engine::codec {
namespace {

constexpr int kMaxLeading = 31;

struct Window {
  int leading = -1;  // -1: no window yet
  int trailing = 0;
  int Length() const { return 64 - leading - trailing; }
};

void WriteXor(uint64_t x, Window* w, BitWriter* bits) {
  if (x == 0) {
    bits->WriteBit(false);
    return;
  }
  const int leading = std::min(std::countl_zero(x), kMaxLeading);
  const int trailing = std::countr_zero(x);
  if (w->leading >= 0 && leading >= w->leading && trailing >= w->trailing) {
    bits->Write(0b10, 2);
    bits->Write(x >> w->trailing, w->Length());
    return;
  }
  *w = {leading, trailing};
  bits->Write(0b11, 2);
  bits->Write(leading, 5);
  bits->Write(w->Length() & 63, 6);  // 64 meaningful bits are written as 0
  bits->Write(x >> trailing, w->Length());
}

Status ReadXor(BitReader* bits, Window* w, uint64_t* x) {
  const Status truncated = Status::Corruption("truncated Gorilla payload");
  bool nonzero = false, new_window = false;
  if (!bits->ReadBit(&nonzero)) return truncated;
  if (!nonzero) {
    *x = 0;
    return Status::Ok();
  }
  if (!bits->ReadBit(&new_window)) return truncated;
  if (new_window) {
    uint64_t leading = 0, length = 0;
    if (!bits->Read(5, &leading) || !bits->Read(6, &length)) return truncated;
    if (length == 0) length = 64;
    if (leading + length > 64) return Status::Corruption("Gorilla window exceeds 64 bits");
    w->leading = static_cast<int>(leading);
    w->trailing = static_cast<int>(64 - leading - length);
  } else if (w->leading < 0) {
    return Status::Corruption("Gorilla value reuses a window before one was set");
  }
  uint64_t meaningful = 0;
  if (!bits->Read(w->Length(), &meaningful)) return truncated;
  // Length() is at least 1, so the shift is below 64.
  *x = meaningful << w->trailing;
  return Status::Ok();
}

}  // namespace

void EncodeGorilla(std::span<const double> values, std::string* dst) {
  if (values.empty()) return;
  BitWriter bits(dst);
  uint64_t prev = std::bit_cast<uint64_t>(values[0]);
  bits.Write(prev, 64);
  Window window;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t cur = std::bit_cast<uint64_t>(values[i]);
    WriteXor(cur ^ prev, &window, &bits);
    prev = cur;
  }
  bits.Finish();
}

size_t GorillaSizeLowerBound(std::span<const double> values) {
  if (values.empty()) return 0;
  uint64_t bits = 64;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t x = std::bit_cast<uint64_t>(values[i]) ^ std::bit_cast<uint64_t>(values[i - 1]);
    // A reused window is at least as wide as x's meaningful bits; a new one
    // costs 11 bits more than them.
    bits += x == 0 ? 1 : 2 + 64 - std::countl_zero(x) - std::countr_zero(x);
  }
  return (bits + 7) / 8;
}

Status DecodeGorilla(std::string_view payload, size_t count, std::vector<double>* out) {
  if (count == 0) return Status::Corruption("Gorilla payload for an empty block");
  BitReader bits(payload);
  uint64_t prev = 0;
  if (!bits.Read(64, &prev)) return Status::Corruption("truncated Gorilla payload");
  out->push_back(std::bit_cast<double>(prev));
  Window window;
  for (size_t i = 1; i < count; ++i) {
    uint64_t x = 0;
    METRIFY_RETURN_IF_ERROR(ReadXor(&bits, &window, &x));
    prev ^= x;
    out->push_back(std::bit_cast<double>(prev));
  }
  if (!bits.AtPaddedEnd()) {
    return Status::Corruption(
        fmt::format("{} bits after the last Gorilla value", bits.RemainingBits()));
  }
  return Status::Ok();
}

}  // namespace metrify::engine::codec
