// ConnectionRegistry: the set of open connections of one HttpServer, so that
// Stop() can reach each of them and wait until they are gone.
//
// Internal to http/. Thread-safe: sessions add and remove themselves from
// I/O threads while Stop() runs on another thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace metrify::http {

class Session;

class ConnectionRegistry {
 public:
  // Records a new connection. Returns false once Close() has been called:
  // the caller then drops the connection.
  bool Add(const std::shared_ptr<Session>& session);

  // Forgets a connection; called from the session's destructor.
  void Remove(const Session* session);

  // Refuses further Add() calls and returns the connections still alive.
  std::vector<std::shared_ptr<Session>> Close();

  // The connections still alive.
  std::vector<std::shared_ptr<Session>> Live() const;

  // Waits until no connection is left or `deadline` passes. Returns true
  // when none is left.
  bool WaitUntilEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  std::vector<std::shared_ptr<Session>> LiveLocked() const;

  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  // Keyed by address: unique while the session lives, and its destructor can
  // still name itself after its weak_ptr has expired.
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
  bool closed_ = false;
};

}  // namespace metrify::http
