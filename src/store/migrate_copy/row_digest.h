// RowDigest and Tally: how `metrify migrate copy` proves that a table
// arrived whole. Each row is hashed from its values (never from storage
// details such as keys, which differ between the stores); a table's Tally
// is its row count and the sum of its rows' hashes modulo 2^64, so both
// sides can be summed in whatever order they are read.
//
// Not a cryptographic hash: it catches lost, duplicated and changed rows,
// not someone forging them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/field.h"

namespace metrify::store::migrate_copy {

// The hash of one row, fed value by value. Each value is tagged with its
// type, so 1 (integer), 1.0 (real), "1" and NULL all hash differently, and
// text with its length, so ("ab", "c") differs from ("a", "bc").
class RowDigest {
 public:
  RowDigest& Int(int64_t value);
  // The double's bits: -0.0 and 0.0 differ, as they do on disk.
  RowDigest& Real(double value);
  RowDigest& Text(std::string_view value);
  RowDigest& Null();
  // monostate as Null, bool as Int, JsonText as its text under its own tag.
  RowDigest& Value(const model::FieldValue& value);
  // The row's 64-bit hash, mixed so that sums of hashes stay spread out.
  uint64_t Finish() const;

 private:
  void Byte(uint8_t b);
  void Word(uint64_t w);
  uint64_t state_ = 14695981039346656037ull;  // FNV-1a offset basis
};

// Rows and the sum of their hashes.
struct Tally {
  uint64_t rows = 0;
  uint64_t checksum = 0;

  void Add(uint64_t row_hash) {
    ++rows;
    checksum += row_hash;  // wraps: the sum modulo 2^64
  }
  void Merge(const Tally& other) {
    rows += other.rows;
    checksum += other.checksum;
  }
  bool operator==(const Tally&) const = default;
};

// The checksum as 16 lower-case hex digits, for reports.
std::string ChecksumText(uint64_t checksum);

}  // namespace metrify::store::migrate_copy
