// Sample batch payload: docs/format/wal.md, "Sample batch payload".
//
// Values are raw 8-byte doubles rather than the column codecs: the WAL is
// written on the ingest path and read only at recovery, so encoding speed and
// exactness matter more than size (the segments compress later).
#include "store/engine/wal/sample_batch.h"

#include <fmt/format.h>

#include <limits>

#include "common/varint.h"
#include "store/engine/codec/fixed_width.h"

namespace metrify::engine::wal {
namespace {

constexpr uint16_t kFieldMask = (1u << model::kMaxSeriesFields) - 1;
// The fewest bytes a sample takes: four one-byte varints.
constexpr size_t kMinSampleBytes = 4;

bool IsKnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(model::SeriesKind::kReading) &&
         kind <= static_cast<uint8_t>(model::SeriesKind::kVeeOverlay);
}

// Timestamps subtract and add modulo 2^64 so that any two int64 values have
// a delta, with no signed overflow.
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

Status DecodeSample(std::string_view* in, int64_t* previous_ms, WalSample* sample) {
  uint64_t key = 0, interval = 0, present = 0;
  int64_t delta = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, std::numeric_limits<uint32_t>::max(), &key));
  METRIFY_RETURN_IF_ERROR(GetVarsint64(in, &delta));
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, std::numeric_limits<uint32_t>::max(), &interval));
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, kFieldMask, &present));
  sample->entity_key = static_cast<uint32_t>(key);
  sample->timestamp_ms = *previous_ms = WrapAdd(*previous_ms, delta);
  sample->interval_s = static_cast<int32_t>(static_cast<uint32_t>(interval));
  sample->present = static_cast<uint16_t>(present);
  sample->values.fill(std::numeric_limits<double>::quiet_NaN());
  for (int field = 0; field < model::kMaxSeriesFields; ++field) {
    if (((present >> field) & 1) == 0) continue;
    if (in->size() < 8) return Status::Corruption("value cut short");
    sample->values[field] = codec::DecodeDouble(in->data());
    in->remove_prefix(8);
  }
  return Status::Ok();
}

}  // namespace

void EncodeSampleBatch(model::SeriesKind kind, std::span<const WalSample> samples,
                       std::string* dst) {
  dst->push_back(static_cast<char>(kind));
  PutVarint64(dst, samples.size());
  int64_t previous_ms = 0;
  for (const WalSample& s : samples) {
    const uint16_t present = s.present & kFieldMask;
    PutVarint64(dst, s.entity_key);
    PutVarsint64(dst, WrapSub(s.timestamp_ms, previous_ms));
    // The u32 bit pattern, so even a negative interval round-trips.
    PutVarint64(dst, static_cast<uint32_t>(s.interval_s));
    PutVarint64(dst, present);
    for (int field = 0; field < model::kMaxSeriesFields; ++field) {
      if ((present >> field) & 1) codec::PutDouble(dst, s.values[field]);
    }
    previous_ms = s.timestamp_ms;
  }
}

Status DecodeSampleBatch(std::string_view payload, model::SeriesKind* kind,
                         std::vector<WalSample>* samples) {
  std::string_view in = payload;
  if (in.empty()) return Status::Corruption("sample batch: empty payload");
  const auto kind_byte = static_cast<uint8_t>(in[0]);
  if (!IsKnownKind(kind_byte)) {
    return Status::Corruption(fmt::format("sample batch: unknown series kind {}", kind_byte));
  }
  in.remove_prefix(1);
  *kind = static_cast<model::SeriesKind>(kind_byte);
  uint64_t count = 0;
  Status status = GetVarint64AtMost(&in, in.size() / kMinSampleBytes, &count);
  if (!status.ok()) return Status::Corruption("sample batch: count: " + status.message());
  samples->resize(count);
  int64_t previous_ms = 0;
  for (uint64_t i = 0; i < count; ++i) {
    status = DecodeSample(&in, &previous_ms, &(*samples)[i]);
    if (!status.ok()) {
      return Status::Corruption(fmt::format("sample batch: sample {}: {}", i, status.message()));
    }
  }
  if (!in.empty()) {
    return Status::Corruption(fmt::format("sample batch: {} trailing bytes", in.size()));
  }
  return Status::Ok();
}

}  // namespace metrify::engine::wal
