// Format: docs/cache.md, "Latest sample encoding". Big-endian throughout so
// the Lua script can read the header with struct.unpack('>i8H').
#include "cache/latest_sample_codec.h"

#include <fmt/format.h>

#include <bit>
#include <cassert>

namespace metrify::cache {
namespace {

template <typename T>
void PutBig(std::string& out, T value) {
  auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    out += static_cast<char>((bits >> shift) & 0xff);
  }
}

template <typename T>
T GetBig(std::string_view bytes, size_t at) {
  std::make_unsigned_t<T> bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    bits = static_cast<std::make_unsigned_t<T>>((bits << 8) | static_cast<uint8_t>(bytes[at + i]));
  }
  return static_cast<T>(bits);
}

constexpr uint16_t kFieldMask = (1u << model::kMaxSeriesFields) - 1;

}  // namespace

std::string EncodeLatestSample(const engine::HeadSample& sample) {
  assert((sample.present & ~kFieldMask) == 0);
  std::string out;
  out.reserve(kLatestSampleHeaderBytes + std::popcount(sample.present) * sizeof(double));
  out += static_cast<char>(kLatestSampleVersion);
  PutBig<int64_t>(out, sample.timestamp_ms);
  PutBig<uint16_t>(out, sample.revision);
  PutBig<int32_t>(out, sample.interval_s);
  PutBig<uint16_t>(out, sample.present);
  for (int field = 0; field < model::kMaxSeriesFields; ++field) {
    if ((sample.present >> field) & 1u) {
      PutBig<uint64_t>(out, std::bit_cast<uint64_t>(sample.values[field]));
    }
  }
  return out;
}

Result<engine::HeadSample> DecodeLatestSample(std::string_view bytes) {
  if (bytes.empty()) return Status::Corruption("latest sample: empty value");
  if (static_cast<uint8_t>(bytes[0]) != kLatestSampleVersion) {
    return Status::NotFound(
        fmt::format("latest sample: unknown version {}", static_cast<uint8_t>(bytes[0])));
  }
  if (bytes.size() < kLatestSampleHeaderBytes) {
    return Status::Corruption(
        fmt::format("latest sample: {} bytes, shorter than the header", bytes.size()));
  }
  engine::HeadSample sample;
  sample.timestamp_ms = GetBig<int64_t>(bytes, 1);
  sample.revision = GetBig<uint16_t>(bytes, 9);
  sample.interval_s = GetBig<int32_t>(bytes, 11);
  sample.present = GetBig<uint16_t>(bytes, 15);
  if ((sample.present & ~kFieldMask) != 0) {
    return Status::Corruption(
        fmt::format("latest sample: present bits {:#06x} beyond the fields", sample.present));
  }
  const size_t expected = kLatestSampleHeaderBytes + std::popcount(sample.present) * sizeof(double);
  if (bytes.size() != expected) {
    return Status::Corruption(
        fmt::format("latest sample: {} bytes, expected {}", bytes.size(), expected));
  }
  size_t at = kLatestSampleHeaderBytes;
  for (int field = 0; field < model::kMaxSeriesFields; ++field) {
    if ((sample.present >> field) & 1u) {
      sample.values[field] = std::bit_cast<double>(GetBig<uint64_t>(bytes, at));
      at += sizeof(double);
    }
  }
  return sample;
}

}  // namespace metrify::cache
