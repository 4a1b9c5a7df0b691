#include "cache/redis_connection.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <cerrno>
#include <string>

namespace metrify::cache {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

redisContext* ConnectTo(const RedisEndpoint& endpoint, timeval timeout) {
  if (!endpoint.unix_path.empty()) {
    return redisConnectUnixWithTimeout(endpoint.unix_path.c_str(), timeout);
  }
  return redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout);
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(
    const RedisEndpoint& endpoint, std::chrono::milliseconds connect_timeout,
    std::chrono::milliseconds command_timeout) {
  const std::string where = endpoint.where();
  redisContext* context = ConnectTo(endpoint, ToTimeval(connect_timeout));
  if (context == nullptr) return Status::Internal("hiredis could not allocate a connection");
  if (context->err != 0) {
    // errstr comes from strerror() or getaddrinfo(): it cannot hold the password.
    std::string reason = context->errstr;
    redisFree(context);
    return Status::Unavailable(fmt::format("cannot connect to Redis at {}: {}", where, reason));
  }
  if (endpoint.unix_path.empty()) redisEnableKeepAlive(context);
  redisSetTimeout(context, ToTimeval(command_timeout));
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context, where, command_timeout));
  // Logging in and choosing the database go in one round trip.
  std::vector<RedisArgv> setup;
  if (!endpoint.password.empty()) {
    setup.push_back(endpoint.user.empty() ? RedisArgv{"AUTH", endpoint.password}
                                          : RedisArgv{"AUTH", endpoint.user, endpoint.password});
  }
  const std::string db = std::to_string(endpoint.db);
  if (endpoint.db != 0) setup.push_back({"SELECT", db});
  if (!setup.empty()) {
    Result<std::vector<RedisReply>> replies = connection->Run(setup);
    if (!replies.has_value()) return replies.error();
  }
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

Status RedisConnection::Failure(std::string_view doing) {
  const int saved_errno = errno;
  broken_ = true;
  const std::string prefix = fmt::format("Redis at {}", where_);
  switch (context_->err) {
    case REDIS_ERR_IO:
      // SO_RCVTIMEO expired: hiredis reports the read's EAGAIN.
      if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK) {
        return Status::Unavailable(fmt::format("{}: no reply within {} ms while {}", prefix,
                                               command_timeout_.count(), doing));
      }
      return Status::Unavailable(fmt::format("{}: {} while {}", prefix, context_->errstr, doing));
    case REDIS_ERR_EOF:
      return Status::Unavailable(
          fmt::format("{}: connection closed by the server while {}", prefix, doing));
    case REDIS_ERR_PROTOCOL:
      return Status::Internal(fmt::format("{}: protocol error: {}", prefix, context_->errstr));
    default:
      return Status::Internal(fmt::format("{}: {} while {}", prefix, context_->errstr, doing));
  }
}

Result<std::vector<RedisReply>> RedisConnection::Run(std::span<const RedisArgv> commands) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const RedisArgv& command : commands) {
    argv.clear();
    lengths.clear();
    for (std::string_view arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Failure("queueing a command");
    }
  }
  // The first redisGetReply() writes the whole buffer: one round trip.
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return Failure(i == 0 ? "sending commands" : "reading replies");
    }
    std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(raw));
    Result<RedisReply> converted = ConvertReply(reply.get(), where_);
    if (converted.has_value()) {
      replies.push_back(std::move(converted).value());
    } else if (first_error.ok()) {
      first_error = converted.error();
    }
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

bool RedisConnection::ClosedByPeer() const {
  pollfd fd{.fd = context_->fd, .events = POLLIN, .revents = 0};
  return ::poll(&fd, 1, 0) != 0;
}

}  // namespace metrify::cache
