// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the
// checksum of Metrify's file formats; the same function as iSCSI
// (RFC 3720), ext4 and LevelDB. The value is the plain CRC (initial value
// and final XOR 0xFFFFFFFF), stored without LevelDB's masking.
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace metrify::crc32c {

// Returns the CRC32C of data[0, n) continued from `crc`, the CRC32C of some
// earlier bytes A; the result is the CRC32C of A followed by data[0, n).
// Extend(0, ...) starts a new checksum. Uses the SSE4.2 crc32 instruction
// when the CPU has it, a table otherwise.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// The CRC32C of data[0, n).
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// Test hooks: the two implementations behind Extend.
bool TEST_HardwareAvailable();
uint32_t TEST_ExtendSoftware(uint32_t crc, const char* data, size_t n);
// REQUIRES: TEST_HardwareAvailable().
uint32_t TEST_ExtendHardware(uint32_t crc, const char* data, size_t n);

}  // namespace metrify::crc32c
