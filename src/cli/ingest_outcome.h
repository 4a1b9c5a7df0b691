// What `metrify ingest` makes of the server's answers: the ingest outcome of
// each chunk ({items, accepted, rejected, inserted, unchanged, revised,
// registered, errors:[{index, line?, field?, code, message}]}, docs/api.md)
// added up over all chunks and files, every rejected item named by its file
// and line, and the summary printed at the end (text or JSON).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace metrify::cli {

struct IngestCounts {
  size_t files = 0;
  size_t items = 0;
  size_t accepted = 0;  // inserted + unchanged + revised
  size_t inserted = 0;
  size_t unchanged = 0;
  size_t revised = 0;
  size_t registered = 0;
  size_t rejected = 0;
};

// One rejected item, placed in its file.
struct ItemRejection {
  std::string file;
  size_t line = 0;  // 0 when the server's index is outside the chunk
  std::string code;
  std::string field;  // empty when the whole item is at fault
  std::string message;
};

// Adds one chunk's outcome (`answer`, the 200 body) to *counts and appends
// its rejections to *rejections, mapping each error's `index` through
// `item_lines` (the chunk's file line per item). Errors: Internal when the
// answer is not an ingest outcome.
Status AddOutcome(std::string_view answer, std::string_view file,
                  const std::vector<size_t>& item_lines, IngestCounts* counts,
                  std::vector<ItemRejection>* rejections);

// The message of the API's error body ("message", then "field: message"
// per detail), or the start of the body when it has none.
std::string ErrorBodyMessage(int status, std::string_view body);

// "FILE:LINE: code: message" (one line, no '\n').
std::string FormatRejection(const ItemRejection& r);

// "2 files, 10000 items: 9990 accepted (9000 inserted, 990 unchanged, 0
// revised), 10 rejected in 1.2 s (8333 items/s)", plus ", 3 meters
// registered" when some were.
std::string SummaryText(const IngestCounts& counts, double seconds);

// One JSON object: every count, seconds, items_per_second, errors (each
// {file, line, code, field (null for the whole item), message}) and error: the message that stopped
// the run, or null.
std::string SummaryJson(const IngestCounts& counts, double seconds,
                        const std::vector<ItemRejection>& rejections, std::string_view stopped);

}  // namespace metrify::cli
