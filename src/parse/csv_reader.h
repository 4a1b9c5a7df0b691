// CsvReader: RFC 4180 records from text held in memory. Quoted fields may
// contain the delimiter, doubled quotes and line breaks; CRLF and LF both end
// a record; a UTF-8 byte order mark is skipped. The delimiter is ',' or, when
// the first line has semicolons and no commas (spreadsheets in German
// locales write those), ';'.
//
// Not thread-safe; the text must outlive the reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace metrify::parse {

class CsvReader {
 public:
  // `delimiter` 0 means detect from the first line.
  explicit CsvReader(std::string_view text, char delimiter = 0);

  // Reads the next record into `fields`. Returns false at the end of the
  // text, or with `*error` set when a quoted field is never closed (the
  // error names the line where the field began). Blank lines are skipped.
  bool Next(std::vector<std::string>* fields, Status* error);

  // 1-based line number at which the record last returned by Next() began.
  int line() const { return record_line_; }
  char delimiter() const { return delimiter_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int next_line_ = 1;
  int record_line_ = 0;
  char delimiter_;
};

}  // namespace metrify::parse
