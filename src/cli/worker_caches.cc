#include "cli/worker_caches.h"

#include <algorithm>

#include "api/response_caching.h"
#include "cache/redis_latest_cache.h"
#include "cache/redis_response_cache.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "common/time.h"
#include "obs/log.h"

namespace metrify::cli {

std::unique_ptr<WorkerCaches> WorkerCaches::OpenOrFail(const config::Config& config) {
  std::unique_ptr<WorkerCaches> caches(new WorkerCaches());
  if (config.mode != "scaled" || config.redis.url.empty()) return caches;
  auto redis = cache::RedisClient::Create({.url = config.redis.url});
  if (!redis) Fail(kExitUsage, "redis.url: " + redis.status().message());
  caches->redis_ = std::move(redis).value();
  caches->latest_ = std::make_unique<cache::RedisLatestCache>(*caches->redis_);
  caches->responses_ = std::make_unique<cache::RedisResponseCache>(*caches->redis_);
  return caches;
}

worker::IngestWorker::Observer WorkerCaches::Observer(store::SeriesStore& store) {
  if (!redis_) {
    return [](model::SeriesKind, std::span<const engine::wal::WalSample>,
              std::span<const uint32_t>) {};
  }
  return [this, &store](model::SeriesKind kind, std::span<const engine::wal::WalSample> samples,
                        std::span<const uint32_t>) { AfterCommit(store, kind, samples); };
}

store::SeriesStore& WorkerCaches::Series(store::SeriesStore& store) {
  if (!responses_) return store;
  // No latest cache here: VEE wants the store's own answers.
  vee_store_ = std::make_unique<cache::CachedSeriesStore>(
      store, cache::CachedSeriesStoreOptions{.responses = responses_.get(),
                                             .scope = std::string(api::kReadingsScope)});
  return *vee_store_;
}

void WorkerCaches::AfterCommit(store::SeriesStore& store, model::SeriesKind kind,
                               std::span<const engine::wal::WalSample> samples) {
  if (kind != model::SeriesKind::kReading) return;
  // The samples carry no revision, and a batch may hold a meter's old
  // intervals only: latest_samples has the answer the API would give.
  std::vector<uint32_t> keys;
  keys.reserve(samples.size());
  for (const auto& s : samples) keys.push_back(s.entity_key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto newest = store.LatestMany(kind, keys);
  if (!newest) {
    // The meters' cached samples stay at their older values until their
    // next batch (the API fills from PostgreSQL only on a miss).
    NoteUnavailable("read latest_samples", newest.status());
  } else {
    std::vector<cache::LatestEntry> entries;
    entries.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if ((*newest)[i]) entries.push_back({keys[i], *(*newest)[i]});
    }
    offered_ += entries.size();
    if (Result<size_t> put = latest_->PutMany(entries); !put) {
      NoteUnavailable("update latest readings", put.status());
    }
  }
  // The data is committed, so a replica that recomputes after this bump
  // reads it (response_cache.h: store first, then Bump).
  if (Result<int64_t> bumped = responses_->Bump(api::kReadingsScope); !bumped) {
    NoteUnavailable("bump the response cache", bumped.status());
  }
}

void WorkerCaches::NoteUnavailable(std::string_view what, const Status& status) {
  ++unavailable_;
  int64_t held_back = 0;
  if (log_throttle_.Ready(NowMillis(), &held_back)) {
    obs::LogWarn(
        "could not update the Redis caches; API answers may lag until the TTL",
        {{"operation", what}, {"error", status.message()}, {"not_logged_since_last", held_back}});
  }
}

}  // namespace metrify::cli
