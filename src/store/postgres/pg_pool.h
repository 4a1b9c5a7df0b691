// PgPool: the PostgreSQL connections of one server (scaled mode), lent out
// one request or batch at a time. It holds at most max_connections; a
// borrower waits at most acquire_timeout for one to come back. A connection
// that broke (server restart, network) is dropped on return and a new one is
// made on demand, so the pool recovers by itself once the database is back.
// While the database cannot be reached, Acquire fails fast with Unavailable
// for retry_after (the API's 503 + Retry-After) instead of making every
// request wait out a connect timeout.
//
// Thread safety: Acquire may be called from any thread; a lease is used by
// one thread at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store {

struct PgPoolOptions {
  size_t max_connections = 8;
  std::string password{};  // for a URL without one (postgres.password); never logged
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds acquire_timeout{5000};
  // Longest a statement may run before the server cancels it; 0: no limit.
  std::chrono::milliseconds statement_timeout{30000};
  // How long Acquire keeps failing fast after a connect failed.
  std::chrono::milliseconds retry_after{1000};
};

class PgPool;

// A borrowed connection; goes back to its pool when destroyed.
class PgLease {
 public:
  PgLease(PgLease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {
    other.pool_ = nullptr;
  }
  PgLease& operator=(PgLease&&) = delete;
  ~PgLease();

  PgConnection& operator*() const { return *conn_; }
  PgConnection* operator->() const { return conn_.get(); }

 private:
  friend class PgPool;
  PgLease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
  PgPool* pool_;
  std::unique_ptr<PgConnection> conn_;
};

struct PgPoolStats {
  size_t open = 0;  // connections made and not dropped
  size_t idle = 0;  // of those, waiting in the pool
  uint64_t connect_failures = 0;
  uint64_t dropped = 0;   // returned broken
  uint64_t timeouts = 0;  // Acquire calls that waited in vain
};

class PgPool {
 public:
  // Connects nothing yet: the first Acquire does.
  PgPool(std::string url, PgPoolOptions options = {});
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // An idle connection, a new one while fewer than max_connections are
  // open, or the first one returned within acquire_timeout. Errors:
  // Unavailable (cannot connect, or failed to within retry_after; the
  // message names the server without password), ResourceExhausted (all
  // connections busy for acquire_timeout).
  Result<PgLease> Acquire();

  PgPoolStats stats() const;
  const PgPoolOptions& options() const { return options_; }

 private:
  friend class PgLease;
  void Return(std::unique_ptr<PgConnection> conn);
  Result<std::unique_ptr<PgConnection>> Connect();

  const std::string url_;
  const PgPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;             // guarded by mu_
  size_t open_ = 0;                                             // guarded by mu_
  std::chrono::steady_clock::time_point down_until_{};          // guarded by mu_
  Status last_connect_error_;                                   // guarded by mu_
  uint64_t connect_failures_ = 0, dropped_ = 0, timeouts_ = 0;  // guarded by mu_
};

}  // namespace metrify::store
