// FieldTable: the keys an ingest item of one series kind may carry, looked up
// without allocation. Parsers call Find() once per key of every item, so it
// is a small chained hash on length, first and last byte over at most a few
// dozen names, built once per kind, and names are compared 8 bytes at a time.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "model/series.h"

namespace metrify::parse {

// Slots of the non-value keys. Value fields use their index in
// model::SeriesFields(kind), which is always below kSlotEntity.
inline constexpr int kSlotEntity = 16;     // meter_id / operator_id / station_id
inline constexpr int kSlotTimestamp = 17;  // timestamp
inline constexpr int kSlotInterval = 18;   // interval_s, or its alias interval
inline constexpr int kSlotCount = 19;
static_assert(model::kMaxSeriesFields <= kSlotEntity);

class FieldTable {
 public:
  // The table of `kind`; built on first use, thread-safe, never destroyed.
  static const FieldTable& For(model::SeriesKind kind);

  // Slot of `key` (exact, case-sensitive), or -1 when the kind has no such key.
  int Find(std::string_view key) const;
  // The same for a key in a buffer that can be read kFindPadding bytes past
  // its end (simdjson's padded input), without copying it.
  int FindPadded(const char* key, size_t length) const;
  static constexpr size_t kFindPadding = 8;

  // "meter_id", "operator_id" or "station_id".
  std::string_view entity_key() const { return entity_key_; }
  // The canonical name of a slot: a field name, the entity key, "timestamp"
  // or "interval_s".
  std::string_view SlotName(int slot) const;
  // Number of value fields of the kind.
  int value_count() const { return value_count_; }

  // Longest bucket chain; tests keep it at 1 for the built-in kinds.
  int TEST_LongestChain() const;

 private:
  explicit FieldTable(model::SeriesKind kind);
  void Add(std::string_view name, int slot);

  // Keys are at most this long; the names of all kinds are 21 or shorter.
  static constexpr size_t kMaxKeyLength = 31;
  struct Entry {
    std::array<char, kMaxKeyLength + 1> text{};  // the name, zero-padded
    uint8_t length = 0;
    int8_t slot = -1;
    int8_t next = -1;  // next entry in the same bucket, or -1
  };
  static size_t Bucket(const char* key, size_t length);
  static bool Equal(const Entry& entry, const char* key, size_t length);
  static constexpr size_t kBuckets = 128;
  std::array<Entry, 24> entries_{};
  std::array<int8_t, kBuckets> heads_;
  int entry_count_ = 0;
  int value_count_ = 0;
  std::string_view entity_key_;
  std::array<std::string_view, kSlotCount> slot_names_{};
};

// Inline: called for every key of every item.
inline size_t FieldTable::Bucket(const char* key, size_t length) {
  // Length, first and last byte tell every key of the three kinds apart, so
  // chains hold one entry (FieldTable.EveryKeyHasItsOwnBucket checks it; a
  // collision after adding a field costs one more comparison, not an error).
  auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(key[i])); };
  return (length + byte(0) + 3 * byte(length - 1)) % kBuckets;
}

// Compares in 8-byte words, reading up to 7 bytes past the key's end: a
// call to memcmp costs more than the whole lookup.
inline bool FieldTable::Equal(const Entry& entry, const char* key, size_t length) {
  if (entry.length != length) return false;
  for (size_t i = 0; i < length; i += 8) {
    uint64_t a, b;
    std::memcpy(&a, key + i, 8);
    std::memcpy(&b, entry.text.data() + i, 8);
    uint64_t diff = a ^ b;
    if (length - i < 8) {  // keep only the bytes that belong to the key
      uint64_t mask = (uint64_t{1} << (8 * (length - i))) - 1;
      if constexpr (std::endian::native == std::endian::big)
        mask = ~(~uint64_t{0} >> (8 * (length - i)));
      diff &= mask;
    }
    if (diff != 0) return false;
  }
  return true;
}

inline int FieldTable::FindPadded(const char* key, size_t length) const {
  if (length == 0 || length > kMaxKeyLength) return -1;
  for (int i = heads_[Bucket(key, length)]; i >= 0; i = entries_[i].next) {
    if (Equal(entries_[i], key, length)) return entries_[i].slot;
  }
  return -1;
}

// The entity key of a kind's items: "meter_id", "operator_id", "station_id".
std::string_view EntityKey(model::SeriesKind kind);

}  // namespace metrify::parse
