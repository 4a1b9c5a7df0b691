#include "support/redis_server.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "support/http_client.h"

namespace metrify::test {

namespace {

constexpr const char* kRedisBinary = "/usr/bin/redis-server";

// Does a Redis server answer PING on 127.0.0.1:port?
bool AnswersPing(uint16_t port) {
  timeval timeout{1, 0};
  std::unique_ptr<redisContext, decltype(&redisFree)> context(
      redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
  if (!context || context->err) return false;
  redisSetTimeout(context.get(), timeout);
  auto* reply = static_cast<redisReply*>(redisCommand(context.get(), "PING"));
  bool pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
              std::string(reply->str, reply->len) == "PONG";
  if (reply != nullptr) freeReplyObject(reply);
  return pong;
}

}  // namespace

RedisServer::RedisServer() {
  root_ = MakeServerTempDir("metrify-redis-");
  log_path_ = root_ + "/redis.log";
  StartOnAFreePort(
      "redis", &port_, [this] { return TryStart(); }, root_, log_path_);
}

RedisServer::~RedisServer() {
  Stop();
  RemoveServerDir("redis", root_, log_path_);
}

void RedisServer::Start() {
  if (!TryStart()) {
    throw std::runtime_error("redis: port " + std::to_string(port_) + " is taken; log:\n" +
                             LogTail(log_path_));
  }
}

// Ready means: PING answers PONG on our port, and our own server logged that
// it is ready (another test's server may answer on a port ours failed to
// bind).
bool RedisServer::TryStart() {
  if (running()) throw std::runtime_error("RedisServer::Start: already running");
  size_t log_before = log().size();
  process_.Start({.argv = {kRedisBinary, "--bind", "127.0.0.1", "--port", std::to_string(port_),
                           "--save", "", "--appendonly", "no", "--dir", root_, "--daemonize", "no"},
                  .log_path = log_path_,
                  .stdout_path = "",
                  .work_dir = root_,
                  .user = ""});
  std::optional<int> exited;
  bool ready = PollUntil(
      [&] {
        exited = process_.ExitedYet();
        return exited ||
               (log().find("Ready to accept connections", log_before) != std::string::npos &&
                AnswersPing(port_));
      },
      kServerStartTimeout);
  if (ready && !exited) return true;
  if (exited && log().find("Address already in use", log_before) != std::string::npos) {
    return false;
  }
  process_.Stop(SIGKILL);
  throw std::runtime_error(
      (exited ? "redis-server exited with status " + std::to_string(*exited) + " while starting"
              : "redis-server did not answer PING within " +
                    std::to_string(kServerStartTimeout.count()) + " s") +
      "; log:\n" + LogTail(log_path_));
}

int RedisServer::Stop() { return process_.Stop(SIGTERM); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

std::string RedisServer::log() const { return ReadWholeFile(log_path_); }

}  // namespace metrify::test
