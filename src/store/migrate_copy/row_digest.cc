#include "store/migrate_copy/row_digest.h"

#include <fmt/format.h>

#include <bit>
#include <variant>

namespace metrify::store::migrate_copy {

namespace {

enum Tag : uint8_t { kInt = 1, kReal, kText, kNull, kJson };

}  // namespace

void RowDigest::Byte(uint8_t b) {
  state_ ^= b;
  state_ *= 1099511628211ull;  // FNV-1a prime
}

void RowDigest::Word(uint64_t w) {
  for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(w >> (8 * i)));
}

RowDigest& RowDigest::Int(int64_t value) {
  Byte(kInt);
  Word(static_cast<uint64_t>(value));
  return *this;
}

RowDigest& RowDigest::Real(double value) {
  Byte(kReal);
  Word(std::bit_cast<uint64_t>(value));
  return *this;
}

RowDigest& RowDigest::Text(std::string_view value) {
  Byte(kText);
  Word(value.size());
  for (char c : value) Byte(static_cast<uint8_t>(c));
  return *this;
}

RowDigest& RowDigest::Null() {
  Byte(kNull);
  return *this;
}

RowDigest& RowDigest::Value(const model::FieldValue& value) {
  std::visit(
      [this](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          Null();
        } else if constexpr (std::is_same_v<V, std::string>) {
          Text(v);
        } else if constexpr (std::is_same_v<V, double>) {
          Real(v);
        } else if constexpr (std::is_same_v<V, int64_t>) {
          Int(v);
        } else if constexpr (std::is_same_v<V, bool>) {
          Int(v ? 1 : 0);
        } else {
          Byte(kJson);
          Text(v.text);
        }
      },
      value);
  return *this;
}

// FNV-1a alone leaves the high bits of similar rows alike; the finaliser of
// MurmurHash3 (fmix64) spreads every input bit over the whole word before
// the hashes are summed.
uint64_t RowDigest::Finish() const {
  uint64_t h = state_;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

std::string ChecksumText(uint64_t checksum) { return fmt::format("{:016x}", checksum); }

}  // namespace metrify::store::migrate_copy
