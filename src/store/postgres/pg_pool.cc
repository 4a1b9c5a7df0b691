#include "store/postgres/pg_pool.h"

#include <fmt/format.h>

namespace metrify::store {

PgLease::~PgLease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_));
}

PgPool::PgPool(std::string url, PgPoolOptions options) : url_(std::move(url)), options_(options) {}

PgPool::~PgPool() = default;

Result<std::unique_ptr<PgConnection>> PgPool::Connect() {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                           PgConnection::Connect(url_, options_.connect_timeout, options_.password));
  if (options_.statement_timeout.count() > 0) {
    METRIFY_RETURN_IF_ERROR(
        conn->Exec(fmt::format("SET statement_timeout = {}", options_.statement_timeout.count())));
  }
  return conn;
}

Result<PgLease> PgPool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return PgLease(this, std::move(conn));
    }
    if (open_ < options_.max_connections) {
      if (std::chrono::steady_clock::now() < down_until_) return last_connect_error_;
      ++open_;
      lock.unlock();  // connecting takes a round trip or a timeout: not under the lock
      Result<std::unique_ptr<PgConnection>> made = Connect();
      lock.lock();
      if (made.has_value()) return PgLease(this, std::move(made).value());
      --open_;
      ++connect_failures_;
      last_connect_error_ = made.status();
      down_until_ = std::chrono::steady_clock::now() + options_.retry_after;
      returned_.notify_one();  // a waiter may try again later
      return made.status();
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      ++timeouts_;
      return Status::ResourceExhausted(
          fmt::format("all {} PostgreSQL connections stayed busy for {} ms",
                      options_.max_connections, options_.acquire_timeout.count()));
    }
  }
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  const bool usable = conn->Usable();
  if (!usable) conn.reset();  // close outside the pool's bookkeeping below
  std::lock_guard lock(mu_);
  if (usable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    ++dropped_;
  }
  returned_.notify_one();
}

PgPoolStats PgPool::stats() const {
  std::lock_guard lock(mu_);
  return PgPoolStats{open_, idle_.size(), connect_failures_, dropped_, timeouts_};
}

}  // namespace metrify::store
