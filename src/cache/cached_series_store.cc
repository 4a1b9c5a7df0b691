#include "cache/cached_series_store.h"

#include <algorithm>

#include "common/time.h"
#include "obs/log.h"

namespace metrify::cache {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;

}  // namespace

CachedSeriesStore::CachedSeriesStore(store::SeriesStore& inner, CachedSeriesStoreOptions options)
    : inner_(inner), options_(std::move(options)) {}

Result<store::AppendCounts> CachedSeriesStore::Append(
    model::SeriesKind kind, std::span<const engine::wal::WalSample> samples) {
  METRIFY_ASSIGN_OR_RETURN(store::AppendCounts counts, inner_.Append(kind, samples));
  if (counts.inserted + counts.revised == 0) return counts;
  if (options_.latest != nullptr && kind == kReading) {
    // Appended samples carry no revision; the inner store knows it.
    std::vector<uint32_t> keys;
    keys.reserve(samples.size());
    for (const auto& s : samples) keys.push_back(s.entity_key);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (auto newest = inner_.LatestMany(kind, keys); newest.has_value()) {
      Fill(keys, *newest);
    }
  }
  if (options_.responses != nullptr) {
    if (Result<int64_t> bumped = options_.responses->Bump(options_.scope); !bumped) {
      NoteUnavailable("bump", bumped.status());
    }
  }
  return counts;
}

Status CachedSeriesStore::ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                                     std::vector<engine::HeadSample>* out, uint16_t fields) const {
  return inner_.ReadLatest(key, start_ms, end_ms, out, fields);
}

bool CachedSeriesStore::SumFromStats(engine::SeriesKey key, std::span<const int64_t> edges,
                                     int field, store::FieldBuckets* out) const {
  return inner_.SumFromStats(key, edges, field, out);
}

int32_t CachedSeriesStore::RetentionCutoffDay() const { return inner_.RetentionCutoffDay(); }

Result<std::optional<engine::HeadSample>> CachedSeriesStore::Latest(engine::SeriesKey key) const {
  if (key.kind != kReading || options_.latest == nullptr) return inner_.Latest(key);
  const uint32_t keys[] = {key.entity_key};
  METRIFY_ASSIGN_OR_RETURN(auto newest, LatestMany(key.kind, keys));
  return std::move(newest.front());
}

Result<std::vector<std::optional<engine::HeadSample>>> CachedSeriesStore::LatestMany(
    model::SeriesKind kind, std::span<const uint32_t> keys) const {
  if (kind != kReading || options_.latest == nullptr || keys.empty()) {
    return inner_.LatestMany(kind, keys);
  }
  Result<std::vector<std::optional<engine::HeadSample>>> cached = options_.latest->GetMany(keys);
  if (!cached) {
    unavailable_.fetch_add(1, std::memory_order_relaxed);
    NoteUnavailable("get", cached.status());
    return inner_.LatestMany(kind, keys);
  }
  std::vector<uint32_t> missing;
  std::vector<size_t> where;
  for (size_t i = 0; i < keys.size(); ++i) {
    if ((*cached)[i]) continue;
    missing.push_back(keys[i]);
    where.push_back(i);
  }
  hits_.fetch_add(keys.size() - missing.size(), std::memory_order_relaxed);
  if (missing.empty()) return cached;
  misses_.fetch_add(missing.size(), std::memory_order_relaxed);
  METRIFY_ASSIGN_OR_RETURN(auto stored, inner_.LatestMany(kind, missing));
  Fill(missing, stored);
  for (size_t j = 0; j < missing.size(); ++j) (*cached)[where[j]] = std::move(stored[j]);
  return cached;
}

void CachedSeriesStore::Fill(std::span<const uint32_t> keys,
                             std::span<const std::optional<engine::HeadSample>> samples) const {
  std::vector<LatestEntry> entries;
  entries.reserve(keys.size());
  for (size_t i = 0; i < keys.size() && i < samples.size(); ++i) {
    if (samples[i]) entries.push_back({keys[i], *samples[i]});
  }
  if (entries.empty()) return;
  if (Result<size_t> put = options_.latest->PutMany(entries); !put) {
    unavailable_.fetch_add(1, std::memory_order_relaxed);
    NoteUnavailable("put", put.status());
  }
}

LatestCacheStats CachedSeriesStore::stats() const {
  return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
          unavailable_.load(std::memory_order_relaxed)};
}

void CachedSeriesStore::NoteUnavailable(std::string_view what, const Status& status) const {
  int64_t held_back = 0;
  if (log_throttle_.Ready(NowMillis(), &held_back)) {
    obs::LogWarn(
        "cache unavailable; answering from the store",
        {{"operation", what}, {"error", status.message()}, {"not_logged_since_last", held_back}});
  }
}

}  // namespace metrify::cache
