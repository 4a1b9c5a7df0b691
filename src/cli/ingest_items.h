// Cutting an ingest file into the items the server will count, streaming:
// `metrify ingest` sends a file in chunks and must know, for every item of a
// chunk, the file line it came from. An item here is exactly what
// parse::ParseSamples counts as one (parse/sample_parser.h):
//   - NDJSON: a line that is not blank (blank: only spaces, tabs and '\r');
//   - CSV: a record after the header record, split at line ends outside
//     quotes as parse::CsvScanner splits them (a quote opens a quoted cell
//     only at a cell's start; "" inside it is a quote), and not blank nor
//     made of empty cells only; a quote never closed runs to the end of the
//     file and is one (malformed) item;
//   - JSON: an element of the top-level array, cut at commas outside
//     strings, objects and arrays. A file whose first character is not '['
//     is one item: the whole text (an object is a batch of one; anything
//     else the server refuses).
//
// Thread safety: none; one source per input stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::cli {

enum class IngestFormat { kCsv, kNdjson, kJson };

// The format named by a path's extension (.csv; .ndjson or .jsonl; .json),
// case-insensitive. InvalidArgument for any other extension.
Result<IngestFormat> FormatFromPath(std::string_view path);
// The format named by --format: "csv", "ndjson" or "json".
Result<IngestFormat> FormatFromName(std::string_view name);
// The Content-Type the format is posted with.
std::string_view ContentTypeOf(IngestFormat format);

struct SourceItem {
  // CSV and NDJSON: the record's lines, each ending in '\n' (CRLF kept);
  // JSON: the element's text without surrounding whitespace.
  std::string text;
  size_t line = 0;  // 1-based file line on which the item begins
};

class ItemSource {
 public:
  virtual ~ItemSource() = default;
  // Reads the next item. Returns false at the end of the input, or
  // InvalidArgument naming the line when the text cannot be cut into items
  // (JSON only: an empty element, an array never closed, text after it).
  virtual Result<bool> Next(SourceItem* item) = 0;
  // CSV: the header record (with its line end) once the first item or the
  // end was read; empty when the file has none. Other formats: empty.
  virtual const std::string& header() const = 0;
  // Bytes consumed from the stream so far.
  virtual uint64_t bytes_read() const = 0;
};

// A source reading `in`, which must outlive it. A UTF-8 byte order mark at
// the start is dropped.
std::unique_ptr<ItemSource> MakeItemSource(IngestFormat format, std::istream& in);

}  // namespace metrify::cli
