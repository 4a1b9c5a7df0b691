// CsvScanner: RFC 4180 records as string_views into the text, for the ingest
// hot path and the registry import: quotes, doubled quotes, line breaks
// inside quotes, CRLF or LF, a byte order mark, ',' or ';' detected from the
// first line. No std::string per cell: unquoted cells point into the text
// and only quoted cells are copied. Unquoted cells are trimmed of spaces,
// tabs and '\r'; blank and whitespace-only lines are skipped; spaces before
// an opening quote are allowed.
//
// Not thread-safe; the text must outlive the scanner.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace metrify::parse {

class CsvScanner {
 public:
  // `delimiter` 0 means detect: ';' when the first line has semicolons and no
  // commas, else ','.
  explicit CsvScanner(std::string_view text, char delimiter = 0);

  // Reads the next non-blank record into `cells`. The views stay valid until
  // the next call. Returns false at the end of the text. A quoted cell that
  // is never closed ends the text: the record is returned with
  // unclosed_quote() true.
  bool Next(std::vector<std::string_view>* cells);

  // 1-based line on which the record last returned began.
  size_t line() const { return record_line_; }
  bool unclosed_quote() const { return unclosed_quote_; }
  char delimiter() const { return delimiter_; }

 private:
  bool ReadRecord(std::vector<std::string_view>* cells);
  std::string_view UnquotedCell();
  void QuotedCell(size_t cell);

  std::string_view text_;
  size_t pos_ = 0;
  size_t next_line_ = 1;
  size_t record_line_ = 0;
  char delimiter_;
  bool unclosed_quote_ = false;
  bool record_has_quote_ = false;
  std::string scratch_;  // unescaped quoted cells of the current record
  // Cells of the current record that live in scratch_: (cell, offset, size).
  struct QuotedSpan {
    size_t cell, offset, size;
  };
  std::vector<QuotedSpan> quoted_;
};

}  // namespace metrify::parse
