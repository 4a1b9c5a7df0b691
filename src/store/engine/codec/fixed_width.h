// Fixed-width little-endian integers and doubles, written byte by byte so the
// result does not depend on the host's byte order (compilers turn these into
// single loads and stores on little-endian machines).
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace metrify::engine::codec {

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}

inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 8);
}

inline void PutDouble(std::string* dst, double v) { PutFixed64(dst, std::bit_cast<uint64_t>(v)); }

// REQUIRES: `p` points at 4 readable bytes.
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

// REQUIRES: `p` points at 8 readable bytes.
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

inline double DecodeDouble(const char* p) { return std::bit_cast<double>(DecodeFixed64(p)); }

}  // namespace metrify::engine::codec
