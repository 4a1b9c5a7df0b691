// MockBroker: the Kafka-protocol test broker (tools/mock_broker,
// METRIFY_MOCK_BROKER_BINARY) for one test (or one suite; docs/testing.md).
//
// The broker is librdkafka's mock cluster in its own process, this process's
// child (it dies with the test process). Its ports are ephemeral and it
// persists nothing: after Stop() it is gone for good, and there is no
// Start() again. Topics are the ones scaled mode uses, unless `args` say
// otherwise (`--topics`, `--brokers`, `--replication`). SetDown() and
// SetUp() simulate an outage of the whole cluster (docs/testing.md, "Broker
// outages"): the process and its data stay, only the brokers stop talking.
//
// Thread safety: none; bootstrap() may be read from any thread.
#pragma once

#include <string>
#include <vector>

#include "support/child_process.h"

namespace metrify::test {

class MockBroker {
 public:
  // Starts the broker, reads its `bootstrap=` line and waits until a
  // metadata request answers with every broker. Throws std::runtime_error
  // with the log's tail when that does not happen within kServerStartTimeout.
  explicit MockBroker(std::vector<std::string> args = {});
  // Stops a running broker and removes its directory.
  ~MockBroker();
  MockBroker(const MockBroker&) = delete;
  MockBroker& operator=(const MockBroker&) = delete;

  // SIGTERM and wait. Returns the exit status (0 when clean; as
  // ChildProcess::Stop()), -1 when not running.
  int Stop();

  // Takes every broker down (SIGUSR1): open connections are dropped and new
  // ones refused. Returns once the broker has done it. Throws
  // std::runtime_error when it does not say so within kServerStartTimeout.
  // REQUIRES: running().
  void SetDown();
  // Brings every broker up again (SIGUSR2) and returns once a metadata
  // request answers with every broker. Clients reconnect by themselves, after
  // their reconnect backoff. Throws as SetDown().
  // REQUIRES: running().
  void SetUp();

  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  // "127.0.0.1:p1,127.0.0.1:p2,...", for bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  // What the broker wrote to stderr (librdkafka's log).
  std::string log() const;

 private:
  // Waits for the bootstrap line, then for metadata from every broker.
  void WaitUntilReady();
  // Sends `signal` and waits until the log says `ack` for the `count`th time.
  void SignalAndWait(int signal, const std::string& ack, int count);

  std::string root_;         // the temporary directory
  std::string log_path_;     // root_/broker.log (stderr)
  std::string stdout_path_;  // root_/broker.stdout (the bootstrap line)
  std::string bootstrap_;
  int downs_ = 0;  // SetDown() calls, each acknowledged once in the log
  int ups_ = 0;
  ChildProcess process_;
};

}  // namespace metrify::test
