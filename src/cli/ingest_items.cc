#include "cli/ingest_items.h"

#include <fmt/format.h>

#include <vector>

#include "common/strings.h"
#include "parse/csv_scanner.h"

namespace metrify::cli {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Lines of a stream without their '\n' ('\r' kept), counted from 1.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in) {}

  bool Next(std::string* line) {
    if (!std::getline(in_, *line)) return false;
    bytes_ += line->size() + (in_.eof() ? 0 : 1);
    if (++number_ == 1 && line->starts_with(kBom)) line->erase(0, kBom.size());
    return true;
  }
  size_t number() const { return number_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::istream& in_;
  size_t number_ = 0;
  uint64_t bytes_ = 0;
};

class NdjsonSource final : public ItemSource {
 public:
  explicit NdjsonSource(std::istream& in) : lines_(in) {}

  Result<bool> Next(SourceItem* item) override {
    while (lines_.Next(&line_)) {
      if (IsBlank(line_)) continue;
      item->text = line_ + '\n';
      item->line = lines_.number();
      return true;
    }
    return false;
  }
  const std::string& header() const override { return header_; }
  uint64_t bytes_read() const override { return lines_.bytes(); }

 private:
  LineReader lines_;
  std::string line_;
  const std::string header_;
};

// Where a CSV record stands after some of its text, as CsvScanner reads it.
class CsvQuoteState {
 public:
  explicit CsvQuoteState(char delimiter) : delimiter_(delimiter) {}

  // Feeds one line (without '\n'); true when the record goes on past the
  // line end because a quoted cell is open.
  bool FeedLine(std::string_view line) {
    for (char c : line) Feed(c);
    if (state_ == kQuoteSeen) state_ = kCellStart;  // '"' then '\n': the cell closed
    return state_ == kQuoted;
  }

 private:
  enum State { kCellStart, kUnquoted, kQuoted, kQuoteSeen };

  void Feed(char c) {
    switch (state_) {
      case kCellStart:  // spaces and tabs may come before an opening quote
        if (c == '"') {
          state_ = kQuoted;
        } else if (c != ' ' && c != '\t' && c != delimiter_) {
          state_ = kUnquoted;
        }
        break;
      case kUnquoted:
        if (c == delimiter_) state_ = kCellStart;
        break;
      case kQuoted:
        if (c == '"') state_ = kQuoteSeen;
        break;
      case kQuoteSeen:  // "" is a quote inside the cell; anything else closed it
        state_ = c == '"' ? kQuoted : (c == delimiter_ ? kCellStart : kUnquoted);
        break;
    }
  }

  char delimiter_;
  State state_ = kCellStart;
};

// ';' when the line has semicolons and no commas, else ',' (CsvScanner's rule).
char DetectDelimiter(std::string_view line) {
  bool semicolons = line.find(';') != std::string_view::npos;
  bool commas = line.find(',') != std::string_view::npos;
  return semicolons && !commas ? ';' : ',';
}

class CsvSource final : public ItemSource {
 public:
  explicit CsvSource(std::istream& in) : lines_(in) {}

  Result<bool> Next(SourceItem* item) override {
    if (!header_read_ && !ReadHeader()) return false;
    while (ReadRecord(item)) {
      if (!IsBlankRecord(item->text)) return true;
    }
    return false;
  }
  const std::string& header() const override { return header_; }
  uint64_t bytes_read() const override { return lines_.bytes(); }

 private:
  // The first line that is not blank starts the header record and names
  // the delimiter.
  bool ReadHeader() {
    header_read_ = true;
    while (lines_.Next(&line_)) {
      if (IsBlank(line_)) continue;
      delimiter_ = DetectDelimiter(line_);
      SourceItem header;
      ReadRestOfRecord(&header);
      header_ = std::move(header.text);
      return true;
    }
    return false;
  }

  bool ReadRecord(SourceItem* item) {
    if (!lines_.Next(&line_)) return false;
    ReadRestOfRecord(item);
    return true;
  }

  // line_ holds the record's first line; reads on while a quote is open.
  void ReadRestOfRecord(SourceItem* item) {
    item->line = lines_.number();
    item->text = line_ + '\n';
    CsvQuoteState quotes(delimiter_);
    bool open = quotes.FeedLine(line_);
    while (open && lines_.Next(&line_)) {
      item->text += line_ + '\n';
      open = quotes.FeedLine(line_);
    }
  }

  // Blank lines and rows of empty cells are no items (parse/csv_samples.cc);
  // a quote never closed is one.
  bool IsBlankRecord(std::string_view text) {
    parse::CsvScanner scanner(text, delimiter_);
    if (!scanner.Next(&cells_)) return true;
    if (scanner.unclosed_quote()) return false;
    for (std::string_view cell : cells_) {
      if (!cell.empty()) return false;
    }
    return true;
  }

  LineReader lines_;
  std::string line_;
  std::string header_;
  bool header_read_ = false;
  char delimiter_ = ',';
  std::vector<std::string_view> cells_;
};

// Characters of a stream in blocks, counting lines from 1.
class CharReader {
 public:
  explicit CharReader(std::istream& in) : in_(in) {}

  // The next character, or -1 at the end.
  int Get() {
    if (pos_ == size_ && !Refill()) return -1;
    char c = buffer_[pos_++];
    ++bytes_;
    if (c == '\n') ++line_;
    return static_cast<unsigned char>(c);
  }
  // The next character that is not JSON whitespace, or -1.
  int GetNonSpace() {
    int c = Get();
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n') c = Get();
    return c;
  }
  size_t line() const { return line_; }
  uint64_t bytes() const { return bytes_; }

 private:
  bool Refill() {
    in_.read(buffer_, sizeof buffer_);
    size_ = static_cast<size_t>(in_.gcount());
    pos_ = 0;
    return size_ > 0;
  }

  std::istream& in_;
  char buffer_[64 * 1024];
  size_t pos_ = 0, size_ = 0;
  size_t line_ = 1;
  uint64_t bytes_ = 0;
};

class JsonSource final : public ItemSource {
 public:
  explicit JsonSource(std::istream& in) : chars_(in) {}

  Result<bool> Next(SourceItem* item) override {
    if (state_ == kStart) return Start(item);
    if (state_ == kClosing) return Close();
    if (state_ != kInArray) return false;
    int c = chars_.GetNonSpace();
    if (c == ']' && !after_comma_) return Close();
    return Element(c, item);
  }
  const std::string& header() const override { return header_; }
  uint64_t bytes_read() const override { return chars_.bytes(); }

 private:
  enum State { kStart, kInArray, kClosing, kDone };

  // '[' opens the array; any other text is one item.
  Result<bool> Start(SourceItem* item) {
    int c = chars_.Get();
    if (c == 0xEF && chars_.Get() == 0xBB && chars_.Get() == 0xBF) c = chars_.Get();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') c = chars_.GetNonSpace();
    array_line_ = chars_.line();
    state_ = c == '[' ? kInArray : kDone;
    if (state_ == kInArray) return Next(item);
    if (c < 0) return false;
    item->line = array_line_;
    item->text.assign(1, static_cast<char>(c));
    for (c = chars_.Get(); c >= 0; c = chars_.Get()) item->text.push_back(static_cast<char>(c));
    item->text.erase(item->text.find_last_not_of(" \t\r\n") + 1);
    return true;
  }

  // After the closing ']' only whitespace may follow.
  Result<bool> Close() {
    state_ = kDone;
    if (chars_.GetNonSpace() >= 0) {
      return Status::InvalidArgument(
          fmt::format("line {}: text after the JSON array's closing ']'", chars_.line()));
    }
    return false;
  }

  // Reads one element from its first character `c` to the ',' or ']' that
  // ends it at depth 0.
  Result<bool> Element(int c, SourceItem* item) {
    item->line = chars_.line();
    item->text.clear();
    if (c == ',' || c == ']') {
      return Status::InvalidArgument(fmt::format("line {}: empty array element", item->line));
    }
    int depth = 0;
    bool in_string = false, escaped = false;
    for (; c >= 0; c = chars_.Get()) {
      if (in_string) {
        in_string = escaped || c != '"';
        escaped = !escaped && c == '\\';
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == ',' || c == ']') && depth == 0) {
        break;
      } else if (c == '}' || c == ']') {
        --depth;
      }
      item->text.push_back(static_cast<char>(c));
    }
    if (c < 0) {
      return Status::InvalidArgument(
          fmt::format("the JSON array opened on line {} is never closed", array_line_));
    }
    item->text.erase(item->text.find_last_not_of(" \t\r\n") + 1);
    after_comma_ = c == ',';
    if (c == ']') state_ = kClosing;
    return true;
  }

  CharReader chars_;
  State state_ = kStart;
  bool after_comma_ = false;
  size_t array_line_ = 1;
  const std::string header_;
};

}  // namespace

Result<IngestFormat> FormatFromPath(std::string_view path) {
  const std::string lower = ToLower(path);
  std::string_view p = lower;
  if (p.ends_with(".csv")) return IngestFormat::kCsv;
  if (p.ends_with(".ndjson") || p.ends_with(".jsonl")) return IngestFormat::kNdjson;
  if (p.ends_with(".json")) return IngestFormat::kJson;
  return Status::InvalidArgument(
      fmt::format("{}: cannot tell the format from the name: use .csv, .ndjson, .jsonl or .json, "
                  "or --format",
                  path));
}

Result<IngestFormat> FormatFromName(std::string_view name) {
  if (name == "csv") return IngestFormat::kCsv;
  if (name == "ndjson") return IngestFormat::kNdjson;
  if (name == "json") return IngestFormat::kJson;
  return Status::InvalidArgument(
      fmt::format("--format must be csv, ndjson or json, got \"{}\"", name));
}

std::string_view ContentTypeOf(IngestFormat format) {
  switch (format) {
    case IngestFormat::kCsv:
      return "text/csv";
    case IngestFormat::kNdjson:
      return "application/x-ndjson";
    case IngestFormat::kJson:
      return "application/json";
  }
  return "application/json";
}

std::unique_ptr<ItemSource> MakeItemSource(IngestFormat format, std::istream& in) {
  switch (format) {
    case IngestFormat::kCsv:
      return std::make_unique<CsvSource>(in);
    case IngestFormat::kNdjson:
      return std::make_unique<NdjsonSource>(in);
    case IngestFormat::kJson:
      return std::make_unique<JsonSource>(in);
  }
  return nullptr;
}

}  // namespace metrify::cli
