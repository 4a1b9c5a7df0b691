#include "store/engine/latest_index.h"

#include <utility>

namespace metrify::engine {

const LatestIndex::Entry* LatestIndex::Find(SeriesKey key) const {
  const Kind& kind = kinds_[static_cast<int>(key.kind) - 1];
  const uint32_t chunk = key.entity_key >> kChunkBits;
  const Directory* dir = kind.directories[chunk >> kDirBits].load(std::memory_order_acquire);
  if (dir == nullptr) return nullptr;
  const Chunk* entries = (*dir)[chunk & (kDirSize - 1)].load(std::memory_order_acquire);
  if (entries == nullptr) return nullptr;
  return &(*entries)[key.entity_key & (kChunkSize - 1)];
}

LatestIndex::Entry* LatestIndex::Find(SeriesKey key, bool create) {
  if (const Entry* found = std::as_const(*this).Find(key)) return const_cast<Entry*>(found);
  if (!create) return nullptr;
  Kind& kind = kinds_[static_cast<int>(key.kind) - 1];
  const uint32_t chunk = key.entity_key >> kChunkBits;
  std::lock_guard lock(kind.grow_mu);
  std::atomic<Directory*>& dir_slot = kind.directories[chunk >> kDirBits];
  if (dir_slot.load(std::memory_order_relaxed) == nullptr) {
    kind.owned_directories.push_back(std::make_unique<Directory>());
    dir_slot.store(kind.owned_directories.back().get(), std::memory_order_release);
  }
  std::atomic<Chunk*>& chunk_slot =
      (*dir_slot.load(std::memory_order_relaxed))[chunk & (kDirSize - 1)];
  if (chunk_slot.load(std::memory_order_relaxed) == nullptr) {
    kind.owned_chunks.push_back(std::make_unique<Chunk>());
    chunk_slot.store(kind.owned_chunks.back().get(), std::memory_order_release);
  }
  return &(*chunk_slot.load(std::memory_order_relaxed))[key.entity_key & (kChunkSize - 1)];
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
