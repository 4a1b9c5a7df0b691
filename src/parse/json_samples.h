// JSON and NDJSON bodies into samples, with simdjson's On-Demand API. Internal
// to parse/; callers use ParseSamples() in sample_parser.h.
#pragma once

#include <cstddef>

#include "common/status.h"
#include "parse/sample_assembler.h"

namespace metrify::parse {

// Reads a JSON array of item objects, or one item object, from data[0, size).
// Returns InvalidArgument for whole-body problems (see ParseSamples()).
// REQUIRES: capacity >= size + SIMDJSON_PADDING bytes readable from `data`.
Status ReadJsonItems(const char* data, size_t size, size_t capacity, SampleAssembler* assembler);

// Reads NDJSON: one item object per non-blank line. Never fails as a whole:
// a line that is not a JSON object is a malformed_item.
// REQUIRES: as ReadJsonItems().
Status ReadNdjsonItems(const char* data, size_t size, size_t capacity, SampleAssembler* assembler);

// Releases the calling thread's parser buffers (after an unusually large body).
void ReleaseThreadJsonParser();

}  // namespace metrify::parse
