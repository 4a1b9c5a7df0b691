// CRC32C, hand-written: Debian 12 packages no C or C++ crc32c library
// (google/crc32c, as LevelDB uses, is not in the archive), so this file holds
// the two classic implementations: the SSE4.2 crc32 instruction, chosen at
// run time, and slicing-by-8 tables for CPUs without it.
#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace metrify::crc32c {
namespace {

constexpr uint32_t kReflectedPoly = 0x82F63B78;

// kTables[0] is the byte-at-a-time table; kTables[k][b] is the CRC of byte b
// followed by k zero bytes, which lets the loop fold eight bytes per step.
constexpr std::array<std::array<uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kReflectedPoly : 0);
    t[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr auto kTables = MakeTables();

inline uint32_t LoadLE32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint32_t ExtendSoftware(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t l = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const uint32_t lo = LoadLE32(p) ^ l;
    const uint32_t hi = LoadLE32(p + 4);
    l = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) l = (l >> 8) ^ kTables[0][(l ^ *p) & 0xFF];
  return ~l;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const char* data,
                                                          size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint64_t l = static_cast<uint32_t>(~crc);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // x86 is little-endian, as the instruction expects
    l = _mm_crc32_u64(l, word);
  }
  auto l32 = static_cast<uint32_t>(l);
  for (; n > 0; --n, ++p) l32 = _mm_crc32_u8(l32, *p);
  return ~l32;
}

bool DetectHardware() {
  __builtin_cpu_init();  // safe even when called before static constructors ran
  return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t ExtendHardware(uint32_t crc, const char* data, size_t n) {
  return ExtendSoftware(crc, data, n);
}
bool DetectHardware() { return false; }
#endif

}  // namespace

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
  // Chosen on first use rather than at static initialisation, so callers in
  // other static initialisers are safe.
  using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);
  static const ExtendFn extend = DetectHardware() ? ExtendHardware : ExtendSoftware;
  return extend(crc, data, n);
}

bool TEST_HardwareAvailable() { return DetectHardware(); }
uint32_t TEST_ExtendSoftware(uint32_t crc, const char* data, size_t n) {
  return ExtendSoftware(crc, data, n);
}
uint32_t TEST_ExtendHardware(uint32_t crc, const char* data, size_t n) {
  return ExtendHardware(crc, data, n);
}

}  // namespace metrify::crc32c
