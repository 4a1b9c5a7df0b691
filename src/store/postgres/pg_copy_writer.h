// PgCopyWriter: rows in PostgreSQL's binary COPY format, for
// `COPY ... FROM STDIN (FORMAT binary)` (PgConnection::CopyIn). Binary
// saves the server parsing text numbers and keeps doubles bit-exact.
//
// The format: an 11-byte signature, flags and header-extension length
// (int32 each), then per row an int16 column count and per column an int32
// byte length (-1 for NULL) and the value in network byte order; an int16
// -1 ends the data.
#pragma once

#include <cstdint>
#include <string>

namespace metrify::store {

class PgCopyWriter {
 public:
  PgCopyWriter();  // writes the header

  void BeginRow(int16_t columns) { Put16(columns); }
  void Int64(int64_t value);
  void Int32(int32_t value);
  void Float64(double value);
  void Null() { Put32(-1); }

  // Appends the trailer and hands out the bytes; the writer is spent.
  std::string Finish();

 private:
  void Put16(int16_t value);
  void Put32(int32_t value);
  void Put64(uint64_t value);
  std::string out_;
};

}  // namespace metrify::store
