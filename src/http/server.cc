#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "http/listener.h"
#include "http/session.h"

namespace metrify::http {

namespace net = boost::asio;

namespace {
// After the grace period, force-closed connections get this long to unwind
// before the io_context is stopped under them.
constexpr std::chrono::milliseconds kForceCloseWait{1000};

// Ingest handlers wait on the WAL's fdatasync, not on the CPU: with several
// threads per core more requests share one commit group (bench ingest on 2
// cores: 2 threads 362k readings/s, 8 threads 866k).
constexpr int kThreadsPerCore = 4;

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return kThreadsPerCore * std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}
}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler handler, HttpObserver observer)
      : context_(std::make_shared<ServerContext>()), io_(ThreadCount(options.threads)) {
    assert(handler && "HttpServer needs a handler");
    context_->options = std::move(options);
    context_->handler = std::move(handler);
    context_->observer = std::move(observer);
  }

  ~Impl() { Stop(); }

  Status Start();
  uint16_t port() const { return port_.load(); }
  void Stop() {
    std::call_once(stop_once_, [this] { StopOnce(); });
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    stopped_cv_.wait(lock, [this] { return stopped_; });
  }

 private:
  void RunIo();
  void StopOnce();
  void CloseConnections();
  bool IsIoThread() const;

  // Declared first so it outlives the io_context: sessions destroyed while
  // the io_context shuts down still unregister from it.
  std::shared_ptr<ServerContext> context_;
  net::io_context io_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> port_{0};
  bool started_ = false;

  std::once_flag stop_once_;
  std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;  // guarded by mutex_
};

Status HttpServer::Impl::Start() {
  assert(!started_ && "HttpServer::Start called twice");
  started_ = true;
  const HttpServerOptions& options = context_->options;
  listener_ = std::make_shared<Listener>(io_, context_);
  METRIFY_RETURN_IF_ERROR(listener_->Open(options.host, options.port));
  port_ = listener_->port();
  listener_->Run();
  int threads = ThreadCount(options.threads);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { RunIo(); });
  spdlog::info("http: listening on {}:{} ({} threads)", options.host, port_.load(), threads);
  return Status::Ok();
}

// Handlers catch what they can; anything escaping (bad_alloc from Beast) must
// not end the thread, or the pool would shrink silently.
void HttpServer::Impl::RunIo() {
  auto guard = net::make_work_guard(io_);  // idle threads wait for work until Stop()
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http: I/O thread caught: {}", e.what());
    }
  }
}

void HttpServer::Impl::StopOnce() {
  assert(!IsIoThread() && "HttpServer::Stop called on its own I/O thread");
  if (!threads_.empty()) {
    context_->stopping = true;
    listener_->Close();
    CloseConnections();
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
  stopped_cv_.notify_all();
}

// Asks every connection to finish, waits for the grace period, then closes
// whatever is left.
void HttpServer::Impl::CloseConnections() {
  auto deadline = std::chrono::steady_clock::now() + context_->options.shutdown_grace;
  for (const auto& session : context_->connections.Close()) {
    net::post(session->strand(), [session] { session->Shutdown(); });
  }
  if (context_->connections.WaitUntilEmpty(deadline)) return;
  auto left = context_->connections.Live();
  spdlog::warn("http: closing {} connections still open after the shutdown grace period",
               left.size());
  for (const auto& session : left) {
    net::post(session->strand(), [session] { session->ForceClose(); });
  }
  left.clear();
  context_->connections.WaitUntilEmpty(std::chrono::steady_clock::now() + kForceCloseWait);
}

bool HttpServer::Impl::IsIoThread() const {
  auto self = std::this_thread::get_id();
  return std::any_of(threads_.begin(), threads_.end(),
                     [self](const std::thread& t) { return t.get_id() == self; });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, HttpObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(observer))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

void HttpServer::Wait() { impl_->Wait(); }

}  // namespace metrify::http
