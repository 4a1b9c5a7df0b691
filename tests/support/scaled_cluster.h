// ScaledCluster: scaled mode on loopback for one test (docs/testing.md): a
// real PostgreSQL 15 (migrated), the Kafka-protocol test broker, `metrify
// serve` with mode scaled, and any number of `metrify worker ingest` and
// `metrify worker monitor` processes, each the test's child with its log in
// the cluster's directory.
//
// Thread safety: none.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/mock_broker.h"
#include "support/postgres_server.h"
#include "support/server_process.h"

namespace metrify::test {

class ScaledCluster {
 public:
  // Starts PostgreSQL and the broker and migrates the database; the API
  // server and workers are started by the test. `env` is added to every
  // metrify process (e.g. {"METRIFY_KAFKA_DELIVERY_TIMEOUT_S", "2"}).
  explicit ScaledCluster(EnvVars env = {});
  ~ScaledCluster();

  // Appends top-level YAML to the configuration (e.g. an `alerts:` block);
  // before the processes that should read it start.
  void AddConfig(const std::string& yaml);

  // `metrify serve` in scaled mode; returns once it answers.
  ServerProcess& StartApi();
  // Starts worker `i` (0-based; may be started again after it stopped) and
  // waits until its /health/live answers. Throws with its log otherwise.
  void StartWorker(size_t i);
  // Sends `signal` to worker i and waits for it; returns the exit status.
  int StopWorker(size_t i, int signal = SIGTERM);
  uint16_t worker_port(size_t i) const { return workers_.at(i)->port; }
  std::string worker_log(size_t i) const;

  // `metrify worker monitor` number i, as StartWorker; the first one
  // started leads, the others stand by.
  void StartMonitor(size_t i);
  // Sends `signal` to monitor i and waits for it; returns the exit status.
  int StopMonitor(size_t i, int signal = SIGTERM);
  uint16_t monitor_port(size_t i) const { return monitors_.at(i)->port; }
  std::string monitor_log(size_t i) const;

  // `metrify worker process` number i (rollups, quality reports,
  // retention), as StartWorker.
  void StartProcessRole(size_t i);

  PostgresServer& postgres() { return pg_; }
  MockBroker& broker() { return broker_; }
  ServerProcess& api() { return *api_; }
  // The configuration every metrify process reads.
  const std::string& config_path() const { return config_path_; }

 private:
  struct Worker {
    ChildProcess process;
    std::string log_path;
    uint16_t port = 0;
  };
  // Starts `metrify worker <role>` as (*processes)[i] and waits until it logs
  // the port it listens on.
  void StartRole(std::vector<std::unique_ptr<Worker>>* processes, size_t i, const std::string& role,
                 std::vector<std::string> extra);

  PostgresServer pg_;
  MockBroker broker_;
  EnvVars env_;
  std::string root_;
  std::string config_path_;
  std::unique_ptr<ServerProcess> api_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Worker>> monitors_;
  std::vector<std::unique_ptr<Worker>> processors_;
};

}  // namespace metrify::test
