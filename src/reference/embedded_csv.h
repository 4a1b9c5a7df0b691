// Line-by-line reading of the CSV files in embedded.h, for the tables built
// from them. Lines starting with '#' and empty lines are skipped. The files
// are part of the build, so a malformed one is a broken build: the reader
// aborts with the file name, line and reason rather than return an error.
//
// Thread safety: one reader per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace metrify::reference {

class EmbeddedCsv {
 public:
  // Inflates `frame` (one of embedded.h's views); `what` names the file in
  // messages, e.g. "bdew/h25.csv".
  EmbeddedCsv(std::string_view frame, std::string_view what);

  // Moves to the next line and splits it on ','. False at the end.
  // The fields point into this reader and live until the next call.
  bool Next();
  const std::vector<std::string_view>& fields() const { return fields_; }

  // Field `index` of the current line as a number; aborts unless the line has
  // that field and all of it is a decimal number.
  double Number(size_t index) const;
  // Aborts unless the current line has exactly `count` fields.
  void ExpectFields(size_t count) const;

  [[noreturn]] void Fail(std::string_view why) const;

 private:
  std::string text_;
  std::string_view what_;
  size_t pos_ = 0;
  int line_ = 0;
  std::vector<std::string_view> fields_;
};

}  // namespace metrify::reference
