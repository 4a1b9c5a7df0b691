// ChunkReader: an ingest file as request bodies of at most N items each, for
// `metrify ingest`, streaming (only one chunk is held). Every body is one the
// server reads like the file itself: CSV chunks repeat the file's header
// record, JSON chunks are arrays, NDJSON chunks are lines. For each item of a
// chunk the reader keeps the file line it began on, so the server's item
// `index` within a chunk maps back to a line of the file.
//
// Thread safety: none; one reader per input stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "cli/ingest_items.h"
#include "common/result.h"

namespace metrify::cli {

struct ChunkLimits {
  size_t max_items = 5000;
  // A chunk ends before the item that would take it past this size (a single
  // larger item still makes a chunk of its own): well below the server's
  // default server.max_body_bytes of 64 MiB.
  size_t max_bytes = 8 << 20;
};

struct Chunk {
  std::string body;
  // item_lines[i]: the 1-based file line on which item i of body begins.
  std::vector<size_t> item_lines;
};

class ChunkReader {
 public:
  // `in` must outlive the reader. REQUIRES: limits.max_items >= 1.
  ChunkReader(IngestFormat format, std::istream& in, ChunkLimits limits = {});

  // The next chunk into *chunk. The first call always yields one, even with
  // no items (so the server judges an empty file or a lone CSV header like
  // the whole file); later calls return false at the end of the input.
  // Errors: InvalidArgument naming the line when the file cannot be cut into
  // items (ItemSource::Next); the chunks before it are good.
  Result<bool> Next(Chunk* chunk);

  // Bytes consumed from the stream so far (for progress).
  uint64_t bytes_read() const { return source_->bytes_read(); }

 private:
  void Append(Chunk* chunk, size_t* items_bytes);
  void Seal(Chunk* chunk);

  IngestFormat format_;
  ChunkLimits limits_;
  std::unique_ptr<ItemSource> source_;
  SourceItem pending_;  // read but not yet placed in a chunk
  bool has_pending_ = false;
  size_t chunks_ = 0;
};

}  // namespace metrify::cli
