#include "cache/latest_cache.h"

namespace metrify::cache {

bool IsNewerSample(const engine::HeadSample& a, const engine::HeadSample& b) {
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms > b.timestamp_ms;
  return a.revision > b.revision;
}

Result<bool> LatestCache::Put(uint32_t meter_key, const engine::HeadSample& sample) {
  const LatestEntry entry{.meter_key = meter_key, .sample = sample};
  METRIFY_ASSIGN_OR_RETURN(size_t stored, PutMany(std::span(&entry, 1)));
  return stored == 1;
}

Result<size_t> LocalLatestCache::PutMany(std::span<const LatestEntry> entries) {
  size_t stored = 0;
  std::lock_guard lock(mu_);
  for (const LatestEntry& entry : entries) {
    auto [it, inserted] = latest_.try_emplace(entry.meter_key, entry.sample);
    if (inserted || IsNewerSample(entry.sample, it->second)) {
      it->second = entry.sample;
      ++stored;
    }
  }
  return stored;
}

Result<std::vector<std::optional<engine::HeadSample>>> LocalLatestCache::GetMany(
    std::span<const uint32_t> meter_keys) {
  std::vector<std::optional<engine::HeadSample>> out;
  out.reserve(meter_keys.size());
  std::lock_guard lock(mu_);
  for (uint32_t key : meter_keys) {
    auto it = latest_.find(key);
    out.push_back(it == latest_.end() ? std::nullopt : std::optional(it->second));
  }
  return out;
}

Status LocalLatestCache::Erase(uint32_t meter_key) {
  std::lock_guard lock(mu_);
  latest_.erase(meter_key);
  return Status::Ok();
}

}  // namespace metrify::cache
