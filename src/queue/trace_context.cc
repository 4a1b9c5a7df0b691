// W3C Trace Context ids (queue/trace_context.h).
#include "queue/trace_context.h"

#include <array>
#include <cstdint>
#include <random>

namespace metrify::queue {

namespace {

constexpr size_t kTraceparentSize = 55;  // "00-" 32 "-" 16 "-" 2
constexpr size_t kTraceIdBegin = 3;
constexpr size_t kTraceIdSize = 32;
constexpr size_t kSpanIdBegin = 36;
constexpr size_t kSpanIdSize = 16;
constexpr size_t kFlagsBegin = 53;

// Trace ids need to be unique, not secret: a per-thread generator seeded
// from the system's entropy source is enough and takes no lock.
std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 random{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  return random;
}

// `digits` random lower-case hex digits, not all '0' (the spec reserves
// all-zero ids as invalid).
std::string RandomHex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  while (out.find_first_not_of('0') == std::string::npos) {
    for (size_t i = 0; i < digits; i += 16) {
      uint64_t bits = ThreadRandom()();
      for (size_t j = i; j < digits && j < i + 16; ++j, bits >>= 4) out[j] = kHex[bits & 0xf];
    }
  }
  return out;
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view text) { return text.find_first_not_of('0') == std::string::npos; }

}  // namespace

std::string NewTraceparent() {
  return "00-" + RandomHex(kTraceIdSize) + "-" + RandomHex(kSpanIdSize) + "-01";
}

bool ValidTraceparent(std::string_view tp) {
  if (tp.size() < kTraceparentSize) return false;
  std::string_view version = tp.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return false;
  // Version 00 has exactly four parts; later versions may append more.
  if (version == "00" ? tp.size() != kTraceparentSize
                      : tp.size() > kTraceparentSize && tp[kTraceparentSize] != '-') {
    return false;
  }
  if (tp[2] != '-' || tp[kSpanIdBegin - 1] != '-' || tp[kFlagsBegin - 1] != '-') return false;
  std::string_view trace_id = tp.substr(kTraceIdBegin, kTraceIdSize);
  std::string_view span_id = tp.substr(kSpanIdBegin, kSpanIdSize);
  return IsLowerHex(trace_id) && IsLowerHex(span_id) && IsLowerHex(tp.substr(kFlagsBegin, 2)) &&
         !AllZero(trace_id) && !AllZero(span_id);
}

std::string ChildTraceparent(std::string_view parent) {
  if (!ValidTraceparent(parent)) return NewTraceparent();
  return "00-" + std::string(parent.substr(kTraceIdBegin, kTraceIdSize)) + "-" +
         RandomHex(kSpanIdSize) + "-" + std::string(parent.substr(kFlagsBegin, 2));
}

}  // namespace metrify::queue
