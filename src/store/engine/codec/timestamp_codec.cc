// Format: docs/format/column-block.md, "Timestamp payload".
//
// Gorilla packs delta-of-deltas into bit buckets; for meter data the common
// case is a delta-of-delta of exactly zero (a fixed interval), so a zero-run
// token does better than one bit per value, and byte-aligned varints keep
// decoding simple. Tokens after the first two values:
//   varint z, z != 0   one delta-of-delta, ZigZagDecode(z)
//   0x00, varint m     m + 1 consecutive zero delta-of-deltas
#include "store/engine/codec/timestamp_codec.h"

#include <fmt/format.h>

#include "common/varint.h"

namespace metrify::engine::codec {
namespace {

// Differences are taken modulo 2^64 and reinterpreted as int64, so no
// input overflows and decoding undoes them exactly.
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

void FlushZeroRun(std::string* dst, uint64_t* run) {
  if (*run == 0) return;
  dst->push_back('\0');
  PutVarint64(dst, *run - 1);
  *run = 0;
}

// Appends `run` zero delta-of-deltas, continuing from *prev and *delta.
Status AppendRun(uint64_t run, size_t count, int64_t* prev, int64_t delta,
                 std::vector<int64_t>* out, size_t* decoded) {
  if (run > count - *decoded) {
    return Status::Corruption(fmt::format("timestamp zero run of {} overflows the count", run));
  }
  for (uint64_t i = 0; i < run; ++i) {
    *prev = WrapAdd(*prev, delta);
    out->push_back(*prev);
  }
  *decoded += run;
  return Status::Ok();
}

}  // namespace

void EncodeTimestamps(std::span<const int64_t> timestamps, std::string* dst) {
  if (timestamps.empty()) return;
  PutVarsint64(dst, timestamps[0]);
  if (timestamps.size() == 1) return;
  int64_t delta = WrapSub(timestamps[1], timestamps[0]);
  PutVarsint64(dst, delta);
  uint64_t zero_run = 0;
  for (size_t i = 2; i < timestamps.size(); ++i) {
    const int64_t next_delta = WrapSub(timestamps[i], timestamps[i - 1]);
    const int64_t dod = WrapSub(next_delta, delta);
    delta = next_delta;
    if (dod == 0) {
      ++zero_run;
      continue;
    }
    FlushZeroRun(dst, &zero_run);
    PutVarsint64(dst, dod);
  }
  FlushZeroRun(dst, &zero_run);
}

Status DecodeTimestamps(std::string_view payload, size_t count, std::vector<int64_t>* out) {
  if (count == 0) {
    return payload.empty() ? Status::Ok() : Status::Corruption("bytes in an empty timestamp block");
  }
  int64_t prev = 0, delta = 0;
  METRIFY_RETURN_IF_ERROR(GetVarsint64(&payload, &prev));
  out->push_back(prev);
  size_t decoded = 1;
  if (count > 1) {
    METRIFY_RETURN_IF_ERROR(GetVarsint64(&payload, &delta));
    prev = WrapAdd(prev, delta);
    out->push_back(prev);
    decoded = 2;
  }
  while (decoded < count) {
    uint64_t token = 0;
    METRIFY_RETURN_IF_ERROR(GetVarint64(&payload, &token));
    if (token == 0) {
      uint64_t run_minus_one = 0;
      METRIFY_RETURN_IF_ERROR(GetVarint64(&payload, &run_minus_one));
      // run_minus_one + 1 cannot wrap: the check below rejects UINT64_MAX.
      if (run_minus_one >= count)
        return Status::Corruption("timestamp zero run overflows the count");
      METRIFY_RETURN_IF_ERROR(AppendRun(run_minus_one + 1, count, &prev, delta, out, &decoded));
      continue;
    }
    delta = WrapAdd(delta, ZigZagDecode(token));
    prev = WrapAdd(prev, delta);
    out->push_back(prev);
    ++decoded;
  }
  if (!payload.empty()) {
    return Status::Corruption(fmt::format("{} bytes after the last timestamp", payload.size()));
  }
  return Status::Ok();
}

}  // namespace metrify::engine::codec
