// Test support for webhook_test.cc: a real HTTP receiver (http::HttpServer
// on 127.0.0.1, an ephemeral port) that records every request with its
// arrival time and answers a scripted status, and a dead-letter collector.
// Waits are for conditions with generous deadlines, never fixed sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alerts/webhook.h"
#include "http/server.h"

namespace metrify::alerts::test {

inline constexpr std::chrono::seconds kPatience{15};  // bound on anything awaited

struct ReceivedRequest {
  http::HttpRequest request;
  std::chrono::steady_clock::time_point at;  // when the handler saw it
  std::string Header(std::string_view name) const {
    return std::string(request.Header(name).value_or(""));
  }
};

class WebhookTestReceiver {
 public:
  // The status answering request n (1-based), and what to do before
  // answering it (e.g. sleep or block); both run on a server thread.
  using Script = std::function<int(int n)>;
  using Stall = std::function<void(int n)>;

  explicit WebhookTestReceiver(
      Script script = [](int) { return 200; }, Stall stall = {})
      : script_(std::move(script)), stall_(std::move(stall)) {}
  ~WebhookTestReceiver() { Stop(); }

  Status Start() {
    http::HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.shutdown_grace = std::chrono::milliseconds(2000);
    server_ = std::make_unique<http::HttpServer>(
        options, [this](http::HttpRequest& request) { return Answer(request); });
    return server_->Start();
  }
  void Stop() {
    if (server_) server_->Stop();
  }

  std::string Url(std::string_view target = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(target);
  }

  std::vector<ReceivedRequest> Requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t Count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  bool WaitForCount(size_t n) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return requests_.size() >= n; });
  }

 private:
  http::HttpResponse Answer(http::HttpRequest& request) {
    int n = 0;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({request, std::chrono::steady_clock::now()});
      n = static_cast<int>(requests_.size());
    }
    changed_.notify_all();
    if (stall_) stall_(n);
    http::HttpResponse response;
    response.status = script_(n);
    response.body = "{}";
    return response;
  }

  Script script_;
  Stall stall_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ReceivedRequest> requests_;
  std::unique_ptr<http::HttpServer> server_;
};

// Collects dead letters from the sink, thread-safely.
class DeadLetterBox {
 public:
  DeadLetterSink Sink() {
    return [this](const DeadLetter& letter) {
      {
        std::lock_guard lock(mutex_);
        letters_.push_back(letter);
      }
      changed_.notify_all();
    };
  }
  std::vector<DeadLetter> All() const {
    std::lock_guard lock(mutex_);
    return letters_;
  }
  bool WaitForCount(size_t n) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return letters_.size() >= n; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<DeadLetter> letters_;
};

// Polls `done` until it holds or kPatience has passed.
inline bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace metrify::alerts::test
