#include "store/engine/latest_index.h"

#include <utility>

namespace metrify::engine {

const LatestIndex::Entry* LatestIndex::Find(SeriesKey key) const {
  const Kind& kind = kinds_[static_cast<int>(key.kind) - 1];
  const size_t chunk = key.entity_key >> kChunkBits;
  std::shared_lock lock(kind.chunks_mu);
  if (chunk >= kind.chunks.size() || !kind.chunks[chunk]) return nullptr;
  // Chunks are never freed or moved, so the pointer stays valid unlocked.
  return &(*kind.chunks[chunk])[key.entity_key & (kChunkSize - 1)];
}

LatestIndex::Entry* LatestIndex::Find(SeriesKey key, bool create) {
  if (const Entry* found = std::as_const(*this).Find(key)) return const_cast<Entry*>(found);
  if (!create) return nullptr;
  Kind& kind = kinds_[static_cast<int>(key.kind) - 1];
  const size_t chunk = key.entity_key >> kChunkBits;
  std::unique_lock lock(kind.chunks_mu);
  if (chunk >= kind.chunks.size()) kind.chunks.resize(chunk + 1);
  if (!kind.chunks[chunk]) kind.chunks[chunk] = std::make_unique<Chunk>();
  return &(*kind.chunks[chunk])[key.entity_key & (kChunkSize - 1)];
}

void LatestIndex::Offer(SeriesKey key, const HeadSample& sample) {
  Entry* entry = Find(key, /*create=*/true);
  std::lock_guard lock(LockOf(key.entity_key));
  if (!entry->present || entry->sample.timestamp_ms <= sample.timestamp_ms) {
    entry->sample = sample;
    entry->present = true;
  }
}

std::optional<HeadSample> LatestIndex::Get(SeriesKey key) const {
  const Entry* entry = Find(key);
  if (entry == nullptr) return std::nullopt;
  std::lock_guard lock(LockOf(key.entity_key));
  if (!entry->present) return std::nullopt;
  return entry->sample;
}

}  // namespace metrify::engine
