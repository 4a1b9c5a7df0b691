// Bit-granular writer and reader used by the Gorilla and bit-packed codecs.
//
// Bit order: most significant bit first. Write(v, n) emits the low n bits of
// v from bit n-1 down to bit 0; bytes fill from their high bit, and the last
// byte is padded with zero bits. docs/format/column-block.md relies on this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace metrify::engine::codec {

// Appends bits to a std::string it does not own. Not thread-safe.
class BitWriter {
 public:
  // `dst` must outlive the writer; bytes are appended as they complete.
  explicit BitWriter(std::string* dst) : dst_(dst) {}

  // Appends the low `count` bits of `bits`. REQUIRES: 0 <= count <= 64.
  void Write(uint64_t bits, int count);
  void WriteBit(bool bit) { Write(bit ? 1 : 0, 1); }
  // Appends the partial last byte, if any, padded with zeros. Call once.
  void Finish();

 private:
  void WriteSmall(uint64_t bits, int count);  // count <= 32

  std::string* dst_;
  uint64_t pending_ = 0;  // the low pending_bits_ bits are not yet written
  int pending_bits_ = 0;  // always < 8 between calls
};

// Reads bits from a byte string it does not own. Every read is bounds-checked:
// asking for more bits than remain returns false and reads nothing.
class BitReader {
 public:
  // `input` must outlive the reader.
  explicit BitReader(std::string_view input) : input_(input) {}

  // Reads `count` bits into *bits (the first read bit is the most significant).
  // REQUIRES: 0 <= count <= 64. Returns false when fewer than `count` remain.
  bool Read(int count, uint64_t* bits);
  bool ReadBit(bool* bit);
  // Bits not yet read, counting the padding of the last byte.
  size_t RemainingBits() const { return (input_.size() - pos_) * 8 + buffered_bits_; }
  // True when every bit not yet read is a zero in the last byte's padding.
  bool AtPaddedEnd() const { return pos_ == input_.size() && buffered_bits_ < 8 && buffer_ == 0; }

 private:
  bool ReadSmall(int count, uint64_t* bits);  // count <= 32
  void Refill();

  std::string_view input_;
  size_t pos_ = 0;         // next byte of input_ to load into buffer_
  uint64_t buffer_ = 0;    // the low buffered_bits_ bits are unread
  int buffered_bits_ = 0;  // <= 64
};

}  // namespace metrify::engine::codec
