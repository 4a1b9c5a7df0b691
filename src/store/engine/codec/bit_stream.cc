#include "store/engine/codec/bit_stream.h"

namespace metrify::engine::codec {
namespace {

inline uint64_t LowBits(uint64_t v, int count) {
  return count >= 64 ? v : v & ((uint64_t{1} << count) - 1);
}

}  // namespace

void BitWriter::Write(uint64_t bits, int count) {
  // Split wide writes so pending_ (under 8 bits) plus the new bits fit in 64.
  if (count > 32) {
    WriteSmall(bits >> 32, count - 32);
    count = 32;
  }
  WriteSmall(bits, count);
}

void BitWriter::WriteSmall(uint64_t bits, int count) {
  if (count == 0) return;
  pending_ = (pending_ << count) | LowBits(bits, count);
  pending_bits_ += count;
  while (pending_bits_ >= 8) {
    pending_bits_ -= 8;
    dst_->push_back(static_cast<char>(pending_ >> pending_bits_));
  }
  pending_ = LowBits(pending_, pending_bits_);
}

void BitWriter::Finish() {
  if (pending_bits_ > 0) dst_->push_back(static_cast<char>(pending_ << (8 - pending_bits_)));
  pending_ = 0;
  pending_bits_ = 0;
}

bool BitReader::Read(int count, uint64_t* bits) {
  if (count <= 32) return ReadSmall(count, bits);
  if (RemainingBits() < static_cast<size_t>(count)) return false;
  uint64_t high = 0, low = 0;
  ReadSmall(count - 32, &high);
  ReadSmall(32, &low);
  *bits = (high << 32) | low;
  return true;
}

bool BitReader::ReadBit(bool* bit) {
  uint64_t v = 0;
  if (!ReadSmall(1, &v)) return false;
  *bit = v != 0;
  return true;
}

bool BitReader::ReadSmall(int count, uint64_t* bits) {
  if (count == 0) {
    *bits = 0;
    return true;
  }
  if (buffered_bits_ < count) {
    Refill();
    if (buffered_bits_ < count) return false;
  }
  buffered_bits_ -= count;
  *bits = LowBits(buffer_ >> buffered_bits_, count);
  buffer_ = LowBits(buffer_, buffered_bits_);
  return true;
}

void BitReader::Refill() {
  while (buffered_bits_ <= 56 && pos_ < input_.size()) {
    buffer_ = (buffer_ << 8) | static_cast<uint8_t>(input_[pos_++]);
    buffered_bits_ += 8;
  }
}

}  // namespace metrify::engine::codec
