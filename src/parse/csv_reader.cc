#include "parse/csv_reader.h"

#include <fmt/format.h>

namespace metrify::parse {

namespace {
char DetectDelimiter(std::string_view text) {
  std::string_view first = text.substr(0, text.find('\n'));
  bool semicolons = first.find(';') != std::string_view::npos;
  bool commas = first.find(',') != std::string_view::npos;
  return semicolons && !commas ? ';' : ',';
}
}  // namespace

CsvReader::CsvReader(std::string_view text, char delimiter) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
  delimiter_ = delimiter ? delimiter : DetectDelimiter(text_);
}

bool CsvReader::Next(std::vector<std::string>* fields, Status* error) {
  fields->clear();
  // Skip blank lines between records.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++next_line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = next_line_;
  std::string field;
  bool quoted = false;
  int quote_line = 0;
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (quoted) {
      if (c == '"' && pos_ < text_.size() && text_[pos_] == '"') {
        field.push_back('"');
        ++pos_;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++next_line_;
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
      quote_line = next_line_;
    } else if (c == delimiter_) {
      fields->push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      ++next_line_;
      break;
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  if (quoted) {
    *error =
        Status::InvalidArgument(fmt::format("line {}: a quoted field is never closed", quote_line));
    return false;
  }
  fields->push_back(std::move(field));
  return true;
}

}  // namespace metrify::parse
