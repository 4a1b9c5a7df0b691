#include "parse/csv_scanner.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace metrify::parse {

namespace {

char DetectDelimiter(std::string_view text) {
  std::string_view first = text.substr(0, text.find('\n'));
  bool semicolons = first.find(';') != std::string_view::npos;
  bool commas = first.find(',') != std::string_view::npos;
  return semicolons && !commas ? ';' : ',';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

CsvScanner::CsvScanner(std::string_view text, char delimiter) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
  delimiter_ = delimiter ? delimiter : DetectDelimiter(text_);
}

bool CsvScanner::Next(std::vector<std::string_view>* cells) {
  while (pos_ < text_.size()) {
    if (!ReadRecord(cells)) continue;  // blank line
    return true;
  }
  return false;
}

// Returns false for a blank record: one empty, unquoted cell.
bool CsvScanner::ReadRecord(std::vector<std::string_view>* cells) {
  cells->clear();
  scratch_.clear();
  quoted_.clear();
  record_line_ = next_line_;
  record_has_quote_ = false;
  while (true) {
    size_t start = pos_;
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      QuotedCell(cells->size());
      cells->emplace_back();
    } else {
      pos_ = start;
      cells->push_back(UnquotedCell());
    }
    if (pos_ >= text_.size() || unclosed_quote_) break;
    char c = text_[pos_++];
    if (c == '\n') {
      ++next_line_;
      break;
    }
    // c is the delimiter: another cell follows.
  }
  for (const QuotedSpan& span : quoted_) {
    (*cells)[span.cell] = std::string_view(scratch_).substr(span.offset, span.size);
  }
  return record_has_quote_ || cells->size() > 1 || !cells->front().empty();
}

// The hot loop: most cells are short numbers and ids without quotes. With
// SSE2 (every x86-64) 16 bytes are searched at a time while 16 remain.
std::string_view CsvScanner::UnquotedCell() {
  size_t start = pos_;
  const char* data = text_.data();
  const size_t size = text_.size();
  const char delimiter = delimiter_;
#if defined(__SSE2__)
  const __m128i delimiters = _mm_set1_epi8(delimiter);
  const __m128i newlines = _mm_set1_epi8('\n');
  while (pos_ + 16 <= size) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + pos_));
    unsigned ends = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, delimiters), _mm_cmpeq_epi8(chunk, newlines))));
    if (ends != 0) {
      pos_ += static_cast<size_t>(__builtin_ctz(ends));
      return TrimSpaces(text_.substr(start, pos_ - start));
    }
    pos_ += 16;
  }
#endif
  while (pos_ < size && data[pos_] != delimiter && data[pos_] != '\n') ++pos_;
  return TrimSpaces(text_.substr(start, pos_ - start));
}

// From the opening quote at pos_: the unescaped content into scratch_, then
// any text up to the next delimiter or line end (kept).
void CsvScanner::QuotedCell(size_t cell) {
  record_has_quote_ = true;
  size_t offset = scratch_.size();
  ++pos_;
  while (true) {
    if (pos_ >= text_.size()) {
      unclosed_quote_ = true;
      break;
    }
    char c = text_[pos_++];
    if (c == '"') {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        scratch_.push_back('"');
        ++pos_;
        continue;
      }
      break;
    }
    if (c == '\n') ++next_line_;
    scratch_.push_back(c);
  }
  if (!unclosed_quote_) {
    std::string_view rest = UnquotedCell();
    scratch_.append(rest);
  }
  quoted_.push_back({cell, offset, scratch_.size() - offset});
}

}  // namespace metrify::parse
