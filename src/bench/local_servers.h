// The servers `metrify bench ingest --mode scaled` starts for itself when
// it is not given the user's (docs/benchmarks.md, "Scaled ingest"): a
// PostgreSQL 15 cluster and the Kafka-protocol test broker
// (`metrify-mock-broker`, tools/mock_broker), each on loopback, a free
// port and its own directory, a child of the benchmark (bench_child.h).
//
// PostgreSQL runs with its durable defaults (fsync, synchronous_commit and
// full_page_writes on) unless told otherwise, since the benchmark compares
// durable ingest with a durable COPY. As root it runs as user `postgres`.
//
// Thread safety: none; one owner each.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_child.h"
#include "common/result.h"

namespace metrify::bench {

// Where the PostgreSQL 15 server binaries are (Debian's postgresql-15).
inline constexpr const char* kPostgresBinDir = "/usr/lib/postgresql/15/bin";

class LocalPostgres {
 public:
  // `root`: a directory of its own (data, socket and log go there; made
  // and, as root, given to user postgres). `durable` false turns fsync,
  // synchronous_commit and full_page_writes off. `settings` ("name=value")
  // are passed on as `-c` options after those.
  LocalPostgres(std::string root, bool durable, std::vector<std::string> settings = {});
  ~LocalPostgres();  // stops a running server
  LocalPostgres(const LocalPostgres&) = delete;
  LocalPostgres& operator=(const LocalPostgres&) = delete;

  // initdb, then the server on a free port; returns once it accepts
  // connections (at most 30 s). Errors: IOError with the log's tail.
  Status Start();
  // Fast shutdown (SIGINT); returns the exit status (0 when clean).
  int Stop();

  // postgres://postgres@127.0.0.1:PORT/postgres (trust authentication).
  std::string url() const;
  pid_t pid() const { return process_.pid(); }
  bool durable() const { return durable_; }

 private:
  // One start on port_; false when the port was taken meanwhile.
  Result<bool> TryStart();

  std::string root_;
  bool durable_;
  std::vector<std::string> settings_;
  uint16_t port_ = 0;
  BenchChild process_;
};

class LocalBroker {
 public:
  // `binary`: metrify-mock-broker; `root`: its directory (log, stdout);
  // `readings_partitions`: partitions of metrify.readings.
  LocalBroker(std::string binary, std::string root, int readings_partitions);
  ~LocalBroker();
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;

  // Starts the broker and returns once its metadata names the topics (at
  // most 30 s). Errors: IOError with the log's tail.
  Status Start();
  int Stop();  // SIGTERM; the exit status

  const std::string& bootstrap() const { return bootstrap_; }
  pid_t pid() const { return process_.pid(); }

 private:
  std::string binary_;
  std::string root_;
  int readings_partitions_;
  std::string bootstrap_;
  BenchChild process_;
};

// The partitions of `topic` on the cluster at `brokers` (a metadata
// request, at most `timeout_ms`). Errors: Unavailable when the cluster
// does not answer, NotFound for a topic it does not have.
Result<int> KafkaTopicPartitions(const std::string& brokers, const std::string& topic,
                                 int timeout_ms = 2000);

// The messages `topic` holds (high minus low watermark, summed over its
// partitions). Errors as KafkaTopicPartitions.
Result<int64_t> KafkaTopicMessages(const std::string& brokers, const std::string& topic,
                                   int timeout_ms = 2000);

// metrify-mock-broker next to this binary (both are targets of the same
// build directory).
std::string DefaultMockBrokerBinary();

}  // namespace metrify::bench
