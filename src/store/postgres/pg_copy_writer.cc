#include "store/postgres/pg_copy_writer.h"

#include <bit>
#include <string_view>

namespace metrify::store {

PgCopyWriter::PgCopyWriter() {
  constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
  out_.append(kSignature);
  Put32(0);  // flags: no OIDs
  Put32(0);  // no header extension
}

void PgCopyWriter::Put16(int16_t value) {
  const auto v = static_cast<uint16_t>(value);
  out_.push_back(static_cast<char>(v >> 8));
  out_.push_back(static_cast<char>(v));
}

void PgCopyWriter::Put32(int32_t value) {
  const auto v = static_cast<uint32_t>(value);
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
}

void PgCopyWriter::Put64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
}

void PgCopyWriter::Int64(int64_t value) {
  Put32(8);
  Put64(static_cast<uint64_t>(value));
}

void PgCopyWriter::Int32(int32_t value) {
  Put32(4);
  Put32(value);
}

void PgCopyWriter::Float64(double value) {
  Put32(8);
  Put64(std::bit_cast<uint64_t>(value));
}

std::string PgCopyWriter::Finish() {
  Put16(-1);
  return std::move(out_);
}

}  // namespace metrify::store
