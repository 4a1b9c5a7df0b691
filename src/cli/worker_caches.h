// WorkerCaches: what `metrify worker ingest` keeps fresh in Redis after it
// stores data, so API replicas never serve an answer older than what is
// committed for longer than it takes to tell Redis (docs/cache.md, "Where
// the caches are used"):
//
// - the newest sample of each meter whose readings a batch stored, read
//   back from PostgreSQL's latest_samples (which knows the revisions) and
//   offered to the latest-reading cache; the cache moves forward only, so
//   a late sample or a redelivered batch never moves a meter backwards;
// - the analytics response cache's "readings" generation, bumped after
//   every commit that stored readings and after every VEE write (the
//   validated consumption reads VEE's overlay).
//
// Without redis.url (or in embedded mode) everything here is a no-op, so
// the worker wires it unconditionally. Redis down: the worker goes on
// (Redis is a cache); the failure is logged once a minute, and the API's
// TTL bounds how long its answers can be stale.
//
// Thread safety: the observer runs on the worker's thread, Series() on
// VEE's; both are safe to use concurrently.
#pragma once

#include <memory>

#include "cache/cached_series_store.h"
#include "cache/latest_cache.h"
#include "cache/log_throttle.h"
#include "cache/redis_client.h"
#include "cache/response_cache.h"
#include "config/config.h"
#include "store/series_store.h"
#include "worker/ingest_worker.h"

namespace metrify::cli {

class WorkerCaches {
 public:
  // Builds the Redis caches when mode is scaled and redis.url is set; Redis
  // is not contacted yet. Fails the command (exit 2) on a redis.url that
  // cannot be parsed (the message never shows its password).
  static std::unique_ptr<WorkerCaches> OpenOrFail(const config::Config& config);

  // For IngestWorker::set_observer (chain it before VEE's): after a commit
  // that stored samples of `kind`, pushes their meters' newest readings
  // from `store` to Redis and bumps the response cache. REQUIRES: `store`
  // and this outlive the observer.
  worker::IngestWorker::Observer Observer(store::SeriesStore& store);

  // The store VEE should write through: bumps the response cache after
  // each append; `store` itself when nothing is cached. REQUIRES: called at
  // most once; `store` outlives this.
  store::SeriesStore& Series(store::SeriesStore& store);

  // Meters offered to the latest-reading cache, and cache calls that failed.
  uint64_t offered() const { return offered_.load(); }
  uint64_t unavailable() const { return unavailable_.load(); }

 private:
  WorkerCaches() = default;
  void AfterCommit(store::SeriesStore& store, model::SeriesKind kind,
                   std::span<const engine::wal::WalSample> samples);
  void NoteUnavailable(std::string_view what, const Status& status);

  std::unique_ptr<cache::RedisClient> redis_;
  std::unique_ptr<cache::LatestCache> latest_;
  std::unique_ptr<cache::ResponseCache> responses_;
  std::unique_ptr<cache::CachedSeriesStore> vee_store_;
  std::atomic<uint64_t> offered_{0}, unavailable_{0};
  cache::LogThrottle log_throttle_;
};

}  // namespace metrify::cli
