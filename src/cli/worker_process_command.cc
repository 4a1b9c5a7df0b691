// `metrify worker process`: the scaled-mode role that keeps the hourly
// rollups of readings (worker/rollup_worker.h, docs/scaled.md "Rollups")
// and the daily quality reports (worker/quality_worker.h, "Quality
// reports") in PostgreSQL. It needs only postgres.url from the configuration (no
// Kafka), serves /health and /metrics on --listen, and stops cleanly on
// SIGTERM or SIGINT: the round in hand commits (or rolls back), exit 0.
// Any number of replicas may run. With storage.retention_days it also
// drops expired days (worker/retention_worker.h) on a thread of its own,
// one replica at a time.
#include "cli/worker_process_command.h"
#include "cli/listen_address.h"

#include <charconv>
#include <chrono>
#include <csignal>
#include <thread>

#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/exit_codes.h"
#include "cli/stop_signals.h"
#include "cli/validation_setup.h"
#include "ingest/entity_keys.h"
#include "obs/log.h"
#include "registry/registry.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_registry.h"
#include "store/postgres/pg_series_store.h"
#include "vee/pg_edit_log.h"
#include "worker/quality_worker.h"
#include "worker/retention_worker.h"
#include "worker/rollup_worker.h"
#include "worker/worker_endpoints.h"

namespace metrify::cli {

namespace {

struct ProcessOptions {
  ConfigOptions config;
  std::string listen = "127.0.0.1:9402";
  size_t batch = 100;
  int retention_every_s = 3600;
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
  // The rounds write: the primary, never postgres.read_url. One connection
  // for the rollup rounds, one for the retention passes, three for the
  // quality rounds (the claim's transaction, its reads, the edit log's
  // catch-up).
  store::PgPool pool(config.postgres.url,
                     {.max_connections = 5, .password = config.postgres.password});
  RequireSchemaOrFail(pool);
  obs::MetricsRegistry metrics;
  worker::RollupWorker worker(pool, metrics, {.max_claims = options.batch});
  // Daily quality reports (docs/scaled.md "Quality reports"): with the
  // rules the API has, the meters of the registry and the edits in force.
  const vee::RulesConfig rules = LoadRulesOrFail(config.vee.rules_file);
  auto pg_registry = store::PgRegistry::Open(pool);
  if (!pg_registry) Fail(kExitUnavailable, pg_registry.status().message());
  registry::Registry registry(**pg_registry);
  ingest::EntityKeys keys(**pg_registry);
  store::PgSeriesStore series(pool, pool);  // the primary: a round reads what it claimed
  auto edit_log = vee::PgEditLog::Open(pool);
  if (!edit_log) Fail(kExitUnavailable, "edits: " + edit_log.status().message());
  worker::QualityWorker quality(pool, series, edit_log->get(), registry, keys, rules, metrics);
  worker::RetentionWorker retention(pool, metrics,
                                    {.retention_days = config.storage.retention_days,
                                     .every = std::chrono::seconds(options.retention_every_s)});
  worker::WorkerEndpoints endpoints("process", metrics, [&] {
    return worker.Health([&](JsonWriter& j) {
      retention.WriteHealth(j);
      quality.WriteHealth(j);
    });
  });
  if (Status started = endpoints.Start(host, port); !started.ok()) {
    Fail(kExitUsage, started.message());
  }
  obs::LogInfo("metrify worker process running",
               {{"version", METRIFY_VERSION},
                {"listen", host + ":" + std::to_string(endpoints.port())},
                {"retention_days", config.storage.retention_days}});

  std::atomic<bool> stop{false};
  std::thread runner([&] { (void)worker.Run(stop); });
  std::thread retainer([&] { (void)retention.Run(stop); });
  std::thread quality_runner([&] { (void)quality.Run(stop); });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("worker stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  endpoints.SetDraining();
  stop = true;
  runner.join();
  retainer.join();
  quality_runner.join();
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
      "Keep the hourly rollups of readings and the daily quality reports in PostgreSQL up to "
      "date (any number of replicas)");
  AddConfigFlags(*process, &options->config);
  process->add_option("--listen", options->listen, "HOST:PORT for /health and /metrics")
      ->capture_default_str();
  process
      ->add_option("--batch", options->batch,
                   "Most dirty hours of 64-meter blocks recomputed per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  process
      ->add_option("--retention-every", options->retention_every_s,
                   "Seconds between retention passes (with storage.retention_days > 0; one "
                   "replica at a time)")
      ->check(CLI::Range(1, 7 * 86400))
      ->capture_default_str();
  process->callback([options] { RunProcessWorker(*options); });
}

}  // namespace metrify::cli
