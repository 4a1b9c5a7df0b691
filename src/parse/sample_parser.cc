#include "parse/sample_parser.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <cstring>

#include "common/strings.h"
#include "parse/csv_samples.h"
#include "parse/json_samples.h"
#include "parse/sample_assembler.h"

namespace metrify::parse {

namespace {

// Bodies above this leave no parser buffers behind on their thread: a rare
// large import should not pin its memory for the life of the server.
constexpr size_t kReleaseAfterBytes = size_t{16} << 20;

// Reserving the samples up front saves growing (and moving) the vector.
// JSON items are rarely under 96 bytes. CSV rows are short and vary (40 to
// 70 bytes), so they are counted: one memchr per line, cheap next to the
// parse (for NDJSON lines the count measured 10% of the parse, the guess
// nothing).
constexpr size_t kJsonBytesPerItemGuess = 96;

size_t EstimateItems(std::string_view body, BodyFormat format) {
  if (format != BodyFormat::kCsv) return body.size() / kJsonBytesPerItemGuess + 1;
  size_t lines = 1;
  for (const char *p = body.data(), *end = p + body.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p) {
    ++lines;
  }
  return lines;
}

std::string& ThreadPaddedCopy() {
  thread_local std::string copy;
  return copy;
}

Status CheckPathId(const SampleParseOptions& options) {
  if (options.path_entity_id.empty() || IsValidEntityId(options.path_entity_id)) {
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("the id in the path is not a valid id: {}",
                                             QuoteForMessage(options.path_entity_id)));
}

// REQUIRES for JSON formats: SIMDJSON_PADDING readable bytes after the body.
Result<ParsedBatch> Parse(const char* data, size_t size, size_t capacity, BodyFormat format,
                          const SampleParseOptions& options) {
  METRIFY_RETURN_IF_ERROR(CheckPathId(options));
  ParsedBatch batch;
  size_t items = EstimateItems(std::string_view(data, size), format);
  batch.samples.reserve(items);
  batch.item_of_sample.reserve(items);
  SampleAssembler assembler(options, &batch);
  Status status;
  switch (format) {
    case BodyFormat::kJsonArray:
      status = ReadJsonItems(data, size, capacity, &assembler);
      break;
    case BodyFormat::kNdjson:
      status = ReadNdjsonItems(data, size, capacity, &assembler);
      break;
    case BodyFormat::kCsv:
      status = ReadCsvItems(std::string_view(data, size), &assembler);
      break;
  }
  if (size > kReleaseAfterBytes && format != BodyFormat::kCsv) ReleaseThreadJsonParser();
  if (!status.ok()) return status;
  return batch;
}

}  // namespace

SampleParseOptions DefaultOptions(model::SeriesKind kind, std::string_view path_entity_id) {
  SampleParseOptions options;
  options.kind = kind;
  options.path_entity_id = path_entity_id;
  options.default_interval_s =
      kind == model::SeriesKind::kReading ? model::kDefaultIntervalSeconds : 0;
  return options;
}

std::string_view BodyFormatName(BodyFormat format) {
  switch (format) {
    case BodyFormat::kJsonArray:
      return "json";
    case BodyFormat::kNdjson:
      return "ndjson";
    case BodyFormat::kCsv:
      return "csv";
  }
  return "unknown";
}

Result<BodyFormat> FormatFromContentType(std::string_view content_type) {
  std::string type = ToLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/json") return BodyFormat::kJsonArray;
  if (type == "application/x-ndjson" || type == "application/ndjson" ||
      type == "application/jsonl" || type == "application/x-jsonlines") {
    return BodyFormat::kNdjson;
  }
  if (type == "text/csv" || type == "application/csv") return BodyFormat::kCsv;
  return Status::InvalidArgument(
      fmt::format("unsupported content type {}: send application/json (an array of items), "
                  "application/x-ndjson (one item per line) or text/csv",
                  QuoteForMessage(content_type)));
}

Result<ParsedBatch> ParseSamples(std::string_view body, BodyFormat format,
                                 const SampleParseOptions& options) {
  if (format == BodyFormat::kCsv) return Parse(body.data(), body.size(), 0, format, options);
  std::string& copy = ThreadPaddedCopy();
  copy.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  copy.assign(body);
  Result<ParsedBatch> result = ParseSamples(&copy, format, options);
  if (body.size() > kReleaseAfterBytes) std::string().swap(copy);
  return result;
}

Result<ParsedBatch> ParseSamples(std::string* body, BodyFormat format,
                                 const SampleParseOptions& options) {
  size_t size = body->size();
  if (format != BodyFormat::kCsv && body->capacity() < size + simdjson::SIMDJSON_PADDING) {
    // Writing the padding (then cutting it off again) also makes the bytes
    // simdjson may read past the end initialised.
    body->append(simdjson::SIMDJSON_PADDING, ' ');
    body->resize(size);
  }
  return Parse(body->data(), size, body->capacity(), format, options);
}

}  // namespace metrify::parse
