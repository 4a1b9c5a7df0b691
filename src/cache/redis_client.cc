#include "cache/redis_client.h"

#include <cassert>

namespace metrify::cache {

Result<std::unique_ptr<RedisClient>> RedisClient::Create(RedisOptions options) {
  METRIFY_ASSIGN_OR_RETURN(RedisEndpoint endpoint, ParseRedisUrl(options.url));
  if (options.connect_timeout.count() <= 0 || options.command_timeout.count() <= 0) {
    return Status::InvalidArgument("Redis timeouts must be positive");
  }
  if (options.max_connections < 1) {
    return Status::InvalidArgument("Redis needs at least one connection");
  }
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(options), std::move(endpoint)));
}

Result<std::unique_ptr<RedisConnection>> RedisClient::Acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      // A connection the server closed while idle would fail this call
      // although the server may be back: drop it and try the next one.
      if (!connection->ClosedByPeer()) return connection;
      --open_;
    }
    if (open_ < options_.max_connections) break;
    returned_.wait(lock);
  }
  ++open_;
  lock.unlock();
  // Connecting may take connect_timeout: never under the lock.
  Result<std::unique_ptr<RedisConnection>> opened =
      RedisConnection::Open(endpoint_, options_.connect_timeout, options_.command_timeout);
  if (!opened.has_value()) {
    lock.lock();
    --open_;
    returned_.notify_one();
  }
  return opened;
}

void RedisClient::Release(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mu_);
  if (connection->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

Result<std::vector<RedisReply>> RedisClient::Pipeline(std::span<const RedisArgv> commands) {
  assert(!commands.empty());
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<RedisConnection> connection, Acquire());
  Result<std::vector<RedisReply>> replies = connection->Run(commands);
  Release(std::move(connection));
  return replies;
}

Result<RedisReply> RedisClient::Command(const RedisArgv& argv) {
  METRIFY_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Pipeline(std::span(&argv, 1)));
  return std::move(replies.front());
}

Status RedisClient::Ping() { return Command({"PING"}).status(); }

}  // namespace metrify::cache
