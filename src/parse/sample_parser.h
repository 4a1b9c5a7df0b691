// Ingest parsers: request bodies (a JSON array, NDJSON or CSV) into
// model::Samples of one series kind, with a named error for every item that
// cannot become a sample. This is the front door of parse/ for the ingest
// path (POST /api/v1/readings, /smart-meters/{id}/readings,
// /grid-operators/{id}/status, /weather/stations/{id}/observations).
//
// What an item is:
//   - JSON: an element of the top-level array (a body that is one object is
//     one item);
//   - NDJSON: a non-blank line ("\n" or "\r\n" ends a line; blank lines are
//     not items);
//   - CSV: a record after the header line that has a non-empty cell (rows
//     like ",,," that spreadsheets export are skipped like blank lines).
// An item carries the kind's entity key (meter_id, operator_id or
// station_id), "timestamp", optionally "interval_s" (alias "interval") and
// value fields named as in model::SeriesFields(kind). JSON null and an empty
// CSV cell mean "not given". Anything else is refused, never ignored: an
// unknown key rejects the item with unknown_field.
//
// Per-item problems reject only that item (codes in parse/rejections.h, the
// table in docs/api.md "Ingest rejections"); the batch goes on. One error is
// reported per rejected item: the first problem found. Value ranges are not
// checked here: validation (vee/) marks implausible values INVALID later.
//
// Thread safety: the functions are thread-safe; each thread keeps its own
// simdjson parser (and padding buffer) between calls. A thread that parsed a
// body over 16 MiB releases those buffers afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/series.h"
#include "parse/timestamp.h"

namespace metrify::parse {

struct SampleParseOptions {
  // Which fields the items carry, and which key names the entity.
  model::SeriesKind kind = model::SeriesKind::kReading;
  // The entity id from the request path (/smart-meters/{id}/readings), or
  // empty (/readings). When set, items may omit their entity key; an item
  // that gives one must give this id (else entity_mismatch).
  // REQUIRES when not empty: a valid entity id (checked; InvalidArgument).
  std::string_view path_entity_id;
  // Interval length of items without interval_s. Readings: 900 (a quarter
  // hour, model::kDefaultIntervalSeconds); grid status and observations: 0.
  int32_t default_interval_s = model::kDefaultIntervalSeconds;
};

// Options for a kind with its usual default interval (900 s for readings,
// 0 for the others).
SampleParseOptions DefaultOptions(model::SeriesKind kind, std::string_view path_entity_id = {});

// Why one item was rejected.
struct ItemError {
  size_t index = 0;     // 0-based item: array element, NDJSON item, CSV data row
  size_t line = 0;      // 1-based line in the body where the item began (NDJSON,
                        // CSV); 0 for JSON arrays
  std::string field;    // the key or column at fault; empty for whole-item problems
  std::string code;     // one of parse/rejections.h, e.g. "invalid_timestamp"
  std::string message;  // for people: names the field and quotes the value
                        // (at most 64 bytes of it)
};

// The outcome of one body. Accepted items became samples, in body order;
// samples[i] came from item item_of_sample[i]. `errors` is in body order, one
// per rejected item, so items == samples.size() + errors.size().
struct ParsedBatch {
  std::vector<model::Sample> samples;
  std::vector<size_t> item_of_sample;
  std::vector<ItemError> errors;
  size_t items = 0;

  size_t accepted() const { return samples.size(); }
  size_t rejected() const { return errors.size(); }
};

// Never renumber: logged and counted by format.
enum class BodyFormat { kJsonArray = 0, kNdjson = 1, kCsv = 2 };

// "json", "ndjson", "csv".
std::string_view BodyFormatName(BodyFormat format);

// The format named by a Content-Type header value. Case-insensitive;
// parameters such as "; charset=utf-8" are ignored. Accepted:
//   application/json                              -> kJsonArray
//   application/x-ndjson, application/ndjson,
//   application/jsonl, application/x-jsonlines    -> kNdjson
//   text/csv, application/csv                     -> kCsv
// Returns InvalidArgument naming the type otherwise (the API answers 415).
// An empty value is refused too: the caller decides whether to default.
Result<BodyFormat> FormatFromContentType(std::string_view content_type);

// Parses `body` as `format` into samples of options.kind.
//
// Returns InvalidArgument, and no batch, for whole-body problems: the path
// id is invalid; JSON that is empty, structurally broken (an unclosed
// bracket, a missing comma; the message names the item where reading
// stopped) or neither an array nor an object; trailing text after the JSON;
// CSV without a header line, or whose header lacks a timestamp column,
// names an unknown or repeated column, has no value column, or has no entity
// column while the path names no entity. Everything else is an ItemError.
//
// JSON needs SIMDJSON_PADDING readable bytes after the body, so this
// overload copies a JSON or NDJSON body into a per-thread buffer first (at
// memcpy speed, a few percent of the parse). CSV is read in place.
Result<ParsedBatch> ParseSamples(std::string_view body, BodyFormat format,
                                 const SampleParseOptions& options);

// The same without the copy: grows body->capacity() (never its size or
// contents) to size() + SIMDJSON_PADDING and parses in place. An HTTP layer
// that reserves the extra bytes when it reads the request pays nothing; one
// that does not pays at most one reallocation here.
Result<ParsedBatch> ParseSamples(std::string* body, BodyFormat format,
                                 const SampleParseOptions& options);

// True when `id` is a valid registry id (model::IsValidId: the same rule, so
// a reading can name any meter the registry accepts).
bool IsValidEntityId(std::string_view id);

}  // namespace metrify::parse
