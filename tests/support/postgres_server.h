// PostgresServer: a fresh PostgreSQL 15 cluster for one test (or one suite),
// on 127.0.0.1 and a free port (docs/testing.md).
//
// The constructor makes a temporary directory (mkdtemp under /tmp, owned by
// user `postgres`, since initdb and postgres refuse to run as root), runs
// initdb in `data/` (trust authentication, UTF8, C.UTF-8) and starts the
// server. The server's log is `postgres.log` there, kept over restarts
// (initdb's output is in `initdb.log`); its Unix socket lives there too.
// Test-only settings: fsync, synchronous_commit and full_page_writes are
// off, so nothing is durable against a machine crash; a clean Stop() and
// Start() keeps every committed row.
//
// The postmaster runs as this process's child (what `pg_ctl start` would
// start, without pg_ctl's daemonizing), so it dies with the test process;
// Stop() sends SIGINT, the "fast" shutdown of `pg_ctl -m fast stop`.
//
// Thread safety: none; url() may be read from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "support/child_process.h"

namespace metrify::test {

class PostgresServer {
 public:
  // Runs initdb and Start(). Throws std::runtime_error with the log's tail
  // when either fails or the server does not answer within
  // kServerStartTimeout.
  PostgresServer();
  // Stops a running server and removes the directory with all its data.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server on the existing data directory and waits until it
  // accepts connections (PQping). After a Stop() it comes back on the same
  // port, so url() stays valid. REQUIRES: not running.
  void Start();
  // Fast shutdown: rolls back open transactions, disconnects clients, writes
  // a checkpoint. Returns the exit status (0 on a clean shutdown; as
  // ChildProcess::Stop()), -1 when not running.
  int Stop();

  bool running() const { return process_.running(); }
  uint16_t port() const { return port_; }
  // "postgres://postgres@127.0.0.1:PORT/postgres" (no password: trust).
  std::string url() const;
  // Everything the server logged so far, over all its runs.
  std::string log() const;

 private:
  void InitDb();
  // Starts on port_; false when the port was taken (the caller retries).
  bool TryStart();

  std::string root_;      // the temporary directory; also the socket directory
  std::string data_dir_;  // root_/data
  std::string log_path_;  // root_/postgres.log
  uint16_t port_ = 0;
  bool initialised_ = false;  // initdb has run
  ChildProcess process_;
};

}  // namespace metrify::test
