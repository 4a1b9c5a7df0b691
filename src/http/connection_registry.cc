#include "http/connection_registry.h"

namespace metrify::http {

bool ConnectionRegistry::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void ConnectionRegistry::Remove(const Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  if (sessions_.empty()) emptied_.notify_all();
}

std::vector<std::shared_ptr<Session>> ConnectionRegistry::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  return LiveLocked();
}

std::vector<std::shared_ptr<Session>> ConnectionRegistry::Live() const {
  std::lock_guard lock(mutex_);
  return LiveLocked();
}

bool ConnectionRegistry::WaitUntilEmpty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::vector<std::shared_ptr<Session>> ConnectionRegistry::LiveLocked() const {
  std::vector<std::shared_ptr<Session>> live;
  live.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_) {
    // A session whose destructor is running has expired but not yet removed
    // itself; it needs nothing more from Stop().
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

}  // namespace metrify::http
