// `metrify worker process`: the scaled-mode role that keeps the hourly
// rollups of readings in PostgreSQL (worker/rollup_worker.h, docs/scaled.md
// "Rollups"). It needs only postgres.url from the configuration (no
// Kafka), serves /health and /metrics on --listen, and stops cleanly on
// SIGTERM or SIGINT: the round in hand commits (or rolls back), exit 0.
// Any number of replicas may run.
#include "cli/worker_process_command.h"
#include "cli/listen_address.h"

#include <charconv>
#include <csignal>
#include <thread>

#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/exit_codes.h"
#include "cli/stop_signals.h"
#include "obs/log.h"
#include "store/postgres/pg_migrations.h"
#include "worker/rollup_worker.h"
#include "worker/worker_endpoints.h"

namespace metrify::cli {

namespace {

struct ProcessOptions {
  ConfigOptions config;
  std::string listen = "127.0.0.1:9402";
  size_t batch = 100;
};

// The worker's tables come with migration 7: refuse to start on an older
// schema rather than fail every round.
void RequireSchemaOrFail(store::PgPool& pool) {
  Result<store::PgLease> db = pool.Acquire();
  if (!db) Fail(kExitUnavailable, db.status().message());
  Result<store::PgMigrationState> state = store::PgMigrationStatus(**db, store::PgMigrations());
  if (!state) Fail(kExitUnavailable, state.status().message());
  if (!state->pending.empty()) {
    Fail(kExitUnavailable, "the database at " + (*db)->where() + " is at schema version " +
                               std::to_string(state->version) + "; run `metrify migrate up` first");
  }
}

void RunProcessWorker(const ProcessOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  config::LoadedConfig loaded = LoadConfigOrFail(options.config);
  const config::Config& config = loaded.config;
  FailIfError(obs::InitLogging(config.log.level, config.log.format));
  if (config.mode != "scaled") {
    Fail(kExitUsage, "workers run in scaled mode: set mode: scaled (METRIFY_MODE=scaled)");
  }
  if (config.postgres.url.empty()) {
    Fail(kExitUsage, "scaled mode needs postgres.url (METRIFY_POSTGRES_URL)");
  }
  const auto [host, port] = ListenOrFail(options.listen);
  // The rounds write: the primary, never postgres.read_url.
  store::PgPool pool(config.postgres.url,
                     {.max_connections = 2, .password = config.postgres.password});
  RequireSchemaOrFail(pool);
  obs::MetricsRegistry metrics;
  worker::RollupWorker worker(pool, metrics, {.max_claims = options.batch});
  worker::WorkerEndpoints endpoints("process", metrics, [&] { return worker.Health(); });
  if (Status started = endpoints.Start(host, port); !started.ok()) {
    Fail(kExitUsage, started.message());
  }
  obs::LogInfo(
      "metrify worker process running",
      {{"version", METRIFY_VERSION}, {"listen", host + ":" + std::to_string(endpoints.port())}});

  std::atomic<bool> stop{false};
  std::thread runner([&] { (void)worker.Run(stop); });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("worker stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  endpoints.SetDraining();
  stop = true;
  runner.join();
  endpoints.Stop();
  const worker::RollupWorkerStats s = worker.stats();
  obs::LogInfo("worker stopped", {{"rounds", static_cast<int64_t>(s.rounds)},
                                  {"hours", static_cast<int64_t>(s.hours)}});
}

}  // namespace

void AddWorkerProcessCommand(CLI::App& worker) {
  auto options = std::make_shared<ProcessOptions>();
  CLI::App* process = worker.add_subcommand(
      "process",
      "Keep the hourly rollups of readings in PostgreSQL up to date (any number of replicas)");
  AddConfigFlags(*process, &options->config);
  process->add_option("--listen", options->listen, "HOST:PORT for /health and /metrics")
      ->capture_default_str();
  process
      ->add_option("--batch", options->batch,
                   "Most dirty hours of 64-meter blocks recomputed per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  process->callback([options] { RunProcessWorker(*options); });
}

}  // namespace metrify::cli
