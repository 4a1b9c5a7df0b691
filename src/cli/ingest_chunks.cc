#include "cli/ingest_chunks.h"

namespace metrify::cli {

ChunkReader::ChunkReader(IngestFormat format, std::istream& in, ChunkLimits limits)
    : format_(format), limits_(limits), source_(MakeItemSource(format, in)) {}

Result<bool> ChunkReader::Next(Chunk* chunk) {
  chunk->body.clear();
  chunk->item_lines.clear();
  size_t items_bytes = 0;
  while (chunk->item_lines.size() < limits_.max_items) {
    if (!has_pending_) {
      METRIFY_ASSIGN_OR_RETURN(has_pending_, source_->Next(&pending_));
      if (!has_pending_) break;
    }
    if (!chunk->item_lines.empty() && items_bytes + pending_.text.size() > limits_.max_bytes) {
      break;
    }
    Append(chunk, &items_bytes);
  }
  if (chunk->item_lines.empty() && chunks_ > 0) return false;
  Seal(chunk);
  ++chunks_;
  return true;
}

// Items go into body as they come; Seal() adds the header or brackets.
void ChunkReader::Append(Chunk* chunk, size_t* items_bytes) {
  if (format_ == IngestFormat::kJson && !chunk->item_lines.empty()) chunk->body.push_back(',');
  chunk->body += pending_.text;
  chunk->item_lines.push_back(pending_.line);
  *items_bytes += pending_.text.size();
  has_pending_ = false;
}

void ChunkReader::Seal(Chunk* chunk) {
  if (format_ == IngestFormat::kCsv) chunk->body.insert(0, source_->header());
  if (format_ == IngestFormat::kJson) {
    chunk->body.insert(chunk->body.begin(), '[');
    chunk->body.push_back(']');
  }
}

}  // namespace metrify::cli
