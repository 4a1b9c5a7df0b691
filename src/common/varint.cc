#include "common/varint.h"

#include <fmt/format.h>

namespace metrify {

int VarintLength(uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[kMaxVarint64Bytes];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

void PutVarsint64(std::string* dst, int64_t v) { PutVarint64(dst, ZigZagEncode(v)); }

Status GetVarint64(std::string_view* input, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < kMaxVarint64Bytes; ++i) {
    if (i >= static_cast<int>(input->size())) return Status::Corruption("truncated varint");
    const uint64_t byte = static_cast<uint8_t>((*input)[i]);
    // The tenth byte holds bit 63 only; anything more overflows 64 bits.
    if (i == kMaxVarint64Bytes - 1 && byte > 1)
      return Status::Corruption("varint overflows 64 bits");
    result |= (byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      input->remove_prefix(i + 1);
      *value = result;
      return Status::Ok();
    }
  }
  return Status::Corruption("varint longer than 10 bytes");
}

Status GetVarsint64(std::string_view* input, int64_t* value) {
  uint64_t raw = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64(input, &raw));
  *value = ZigZagDecode(raw);
  return Status::Ok();
}

Status GetVarint64AtMost(std::string_view* input, uint64_t limit, uint64_t* value) {
  METRIFY_RETURN_IF_ERROR(GetVarint64(input, value));
  if (*value > limit) {
    return Status::Corruption(fmt::format("varint {} exceeds the limit {}", *value, limit));
  }
  return Status::Ok();
}

}  // namespace metrify
