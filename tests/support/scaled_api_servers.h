// ScaledApiServers: scaled mode behind ServerTest (api_fixture.h) when the
// environment says METRIFY_TEST_MODE=scaled, so the API suite runs against
// scaled mode unchanged (docs/testing.md, "The API suite in scaled mode").
//
// Once per process: PostgreSQL 15 (postgres_server.h), the Kafka-protocol
// test broker (mock_broker.h) and a migrated template database. For each
// Start(): a database of its own copied from the template (CREATE DATABASE
// ... TEMPLATE, i.e. a fresh migrated schema), `metrify serve` with mode
// scaled on it and one `metrify worker ingest` (VEE on, as shipped); Stop()
// ends both and drops the database. The broker and its topics are shared;
// each worker gets a consumer group of its own whose offsets start at the
// topics' end, so it joins an empty group and sees no earlier test's data.
//
// Ingest is asynchronous in scaled mode; WaitUntilStored() blocks until the
// worker has handled every message on the ingest topics and VEE has drained,
// so a test may read back what it just posted.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "support/server_process.h"

namespace metrify::test {

// True when METRIFY_TEST_MODE is "scaled".
bool ScaledTestMode();

class ScaledApiServers {
 public:
  // The process's one instance; starts PostgreSQL and the broker on first
  // use. Throws std::runtime_error when they do not start.
  static ScaledApiServers& Shared();
  ~ScaledApiServers();
  ScaledApiServers(const ScaledApiServers&) = delete;
  ScaledApiServers& operator=(const ScaledApiServers&) = delete;

  // A fresh database, one ingest worker and a scaled `metrify serve` (with
  // `options`: its env goes to the worker too). Returns the serve; the
  // caller owns it and destroys it before Stop(). Throws
  // std::runtime_error with the log when a process does not start.
  // REQUIRES: not started.
  std::unique_ptr<ServerProcess> Start(const ServerOptions& options);
  // Stops the worker (SIGTERM: it finishes its batch and leaves its group)
  // and drops the database. Harmless when not started.
  void Stop();

  // Polls until the worker has handled (stored, skipped or dead-lettered)
  // every message produced to the ingest topics since Start() and
  // metrify_vee_pending_meters is 0. Adds a gtest failure naming what was
  // missing, with the worker's log, after 60 s.
  void WaitUntilStored();

  uint16_t worker_port() const;
  std::string worker_log() const;

 private:
  struct Impl;
  ScaledApiServers();
  std::unique_ptr<Impl> impl_;
};

// Whether a request may leave work queued for the ingest worker: a write to
// an ingest route (readings, grid status, weather observations) or a
// reading's edit.
bool QueuesIngestWork(std::string_view method, std::string_view target);

}  // namespace metrify::test
