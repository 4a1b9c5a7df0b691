// RedisServer: a Redis 7 server for one test (or one suite), on 127.0.0.1
// and a free port, without persistence (docs/testing.md).
//
// `redis-server --bind 127.0.0.1 --port P --save '' --appendonly no --dir TMP`
// runs as this process's child (it dies with the test process); its log is
// TMP/redis.log. Nothing survives a Stop(): Start() begins empty.
//
// Thread safety: none; url() may be read from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "support/child_process.h"

namespace metrify::test {

class RedisServer {
 public:
  // Starts the server. Throws std::runtime_error with the log's tail when it
  // does not answer PING within kServerStartTimeout.
  RedisServer();
  // Stops a running server and removes its directory.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server (on the same port after a Stop(), so url() stays
  // valid) and waits until it answers PING. REQUIRES: not running.
  void Start();
  // SIGTERM and wait. Returns the exit status (0 when clean; as
  // ChildProcess::Stop()), -1 when not running.
  int Stop();

  bool running() const { return process_.running(); }
  uint16_t port() const { return port_; }
  // "redis://127.0.0.1:PORT/0".
  std::string url() const;
  // Everything the server logged so far, over all its runs.
  std::string log() const;

 private:
  // Starts on port_; false when the port was taken (the caller retries).
  bool TryStart();

  std::string root_;      // the temporary directory (--dir)
  std::string log_path_;  // root_/redis.log
  uint16_t port_ = 0;
  ChildProcess process_;
};

}  // namespace metrify::test
