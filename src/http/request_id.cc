#include "http/request_id.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>

namespace metrify::http {

namespace {

constexpr size_t kMaxRequestIdLength = 64;

bool IsRequestIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// SplitMix64: tiny and fast, and good enough for ids that only need to be
// distinct. Seeded once per thread, so std::random_device (a syscall) is not
// paid per request.
class IdGenerator {
 public:
  IdGenerator() {
    std::random_device device;
    state_ = (uint64_t{device()} << 32) ^ device() ^
             std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!IsRequestIdChar(c)) return false;
  }
  return true;
}

std::string NewRequestId() {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local IdGenerator generator;
  uint64_t bits = generator.Next();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) id[i] = kHex[bits & 0xf];
  return id;
}

std::string ChooseRequestId(std::string_view client_id) {
  return IsValidRequestId(client_id) ? std::string(client_id) : NewRequestId();
}

}  // namespace metrify::http
