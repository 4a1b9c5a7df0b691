#include "cache/response_cache.h"

#include <fmt/format.h>

namespace metrify::cache {
namespace {

// Map nodes, list node and string headers: roughly what an entry costs
// beyond its key and body.
constexpr size_t kEntryOverhead = 160;

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string IdOf(std::string_view scope, std::string_view key) {
  std::string id(scope);
  id += '\0';
  id += key;
  return id;
}

}  // namespace

Status ValidateScope(std::string_view scope) {
  if (scope.empty()) return Status::InvalidArgument("cache scope is empty");
  if (scope.find(':') != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("cache scope '{}' contains ':'", scope));
  }
  return Status::Ok();
}

LocalResponseCache::LocalResponseCache(LocalResponseCacheOptions options)
    : max_bytes_(options.max_bytes),
      clock_(options.clock ? std::move(options.clock) : SteadyMillis) {}

int64_t LocalResponseCache::GenerationOf(std::string_view scope) const {
  auto it = generations_.find(std::string(scope));
  return it == generations_.end() ? 0 : it->second;
}

void LocalResponseCache::Erase(Lru::iterator it) {
  index_.erase(it->id);
  bytes_ -= it->charge;
  lru_.erase(it);
}

Result<CacheLookup> LocalResponseCache::Get(std::string_view scope, std::string_view key) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  const std::string id = IdOf(scope, key);
  std::lock_guard lock(mu_);
  CacheLookup lookup{.body = std::nullopt, .generation = GenerationOf(scope)};
  auto found = index_.find(id);
  if (found == index_.end()) return lookup;
  Lru::iterator entry = found->second;
  // Stale or expired entries go now rather than wait for the LRU's end.
  if (entry->generation != lookup.generation || entry->expires_at_ms <= clock_()) {
    Erase(entry);
    return lookup;
  }
  lru_.splice(lru_.begin(), lru_, entry);
  lookup.body = entry->body;
  return lookup;
}

Status LocalResponseCache::Put(std::string_view scope, std::string_view key, int64_t generation,
                               std::string_view body, std::chrono::milliseconds ttl) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  if (ttl.count() <= 0) return Status::InvalidArgument("cache TTL must be positive");
  std::string id = IdOf(scope, key);
  const size_t charge = id.size() + body.size() + kEntryOverhead;
  std::lock_guard lock(mu_);
  if (generation != GenerationOf(scope)) return Status::Ok();  // computed before a Bump
  if (auto found = index_.find(id); found != index_.end()) Erase(found->second);
  if (charge > max_bytes_) return Status::Ok();
  lru_.push_front(Entry{.id = std::move(id),
                        .generation = generation,
                        .body = std::string(body),
                        .expires_at_ms = clock_() + ttl.count(),
                        .charge = charge});
  index_.emplace(lru_.front().id, lru_.begin());
  bytes_ += charge;
  while (bytes_ > max_bytes_) Erase(std::prev(lru_.end()));
  return Status::Ok();
}

Result<int64_t> LocalResponseCache::Bump(std::string_view scope) {
  METRIFY_RETURN_IF_ERROR(ValidateScope(scope));
  std::lock_guard lock(mu_);
  return ++generations_[std::string(scope)];
}

size_t LocalResponseCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t LocalResponseCache::entries() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace metrify::cache
