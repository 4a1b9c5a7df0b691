// `metrify serve`: the platform in one process (embedded mode): registry in
// SQLite under the data directory, the REST API on Beast. SIGTERM or SIGINT
// stops it gracefully: stop accepting, finish in-flight requests, close the
// stores (which flushes them), exit 0.
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>

#include "api/api.h"
#include "cli/api_caches.h"
#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/serve_alerts.h"
#include "cli/serve_scaled.h"
#include "cli/stop_signals.h"
#include "cli/validation_setup.h"
#include "common/time.h"
#include "http/server.h"
#include "ingest/entity_keys.h"
#include "ingest/ingest_service.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/engine/readings_engine.h"
#include "store/sqlite/sqlite_registry.h"
#include "vee/edit_log.h"
#include "vee/meter_directory.h"
#include "vee/replay.h"
#include "vee/vee_service.h"

namespace metrify::cli {

namespace {

// Segments stay open (one descriptor each) and every connection takes one:
// the usual soft limit of 1,024 is too low for a year of partitions, so
// take what the hard limit allows.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    obs::LogWarn("could not raise the open-file limit", {{"error", std::strerror(errno)}});
  }
}

// Opens the readings engine under <data_dir>/engine, replaying its WAL, and
// logs what the replay found.
std::unique_ptr<engine::ReadingsEngine> OpenEngine(const config::Config& config,
                                                   engine::OpenReport& report) {
  engine::EngineOptions options;
  options.head_budget_bytes = config.storage.head_memory_bytes;
  options.retention_days = config.storage.retention_days;
  auto opened = engine::ReadingsEngine::Open(
      FileSystem::Posix(), JoinPath(config.storage.data_dir, "engine"), options, &report);
  FailIfError(opened.status());
  if (report.replay.truncation) {
    const auto& t = *report.replay.truncation;
    obs::LogWarn("cut a torn record off the WAL: it was never acknowledged",
                 {{"file", t.file},
                  {"offset", static_cast<int64_t>(t.offset)},
                  {"bytes_dropped", static_cast<int64_t>(t.bytes_dropped)},
                  {"reason", t.reason}});
  }
  for (const std::string& note : report.replay.notes) obs::LogWarn(note);
  obs::LogInfo("readings engine open",
               {{"segments", static_cast<int64_t>(report.segments)},
                {"wal_records", static_cast<int64_t>(report.replay.records)},
                {"samples_replayed", static_cast<int64_t>(report.samples_replayed)},
                {"samples_skipped", static_cast<int64_t>(report.samples_skipped)}});
  return std::move(opened).value();
}

void Serve(const ConfigOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  config::LoadedConfig loaded = LoadConfigOrFail(options);
  const config::Config& config = loaded.config;
  FailIfError(obs::InitLogging(config.log.level, config.log.format));
  if (config.mode == "scaled") {
    ServeScaled(config, stop_signals);
    return;
  }
  auto opened = store::SqliteRegistry::Open(config.storage.data_dir);
  FailIfError(opened.status());
  std::unique_ptr<store::SqliteRegistry> registry_store = std::move(opened).value();
  registry::Registry registry(*registry_store);
  RaiseOpenFileLimit();
  engine::OpenReport open_report;
  std::unique_ptr<engine::ReadingsEngine> readings = OpenEngine(config, open_report);
  ingest::EntityKeys keys(*registry_store);
  FailIfError(keys.Load());
  keys.Follow(registry);
  ingest::IngestService ingest(*readings, keys, registry, config.ingest.auto_register);
  // Validation and estimation follow ingest on a worker thread (docs/vee.md).
  vee::MeterDirectory meter_directory(registry, keys);
  const vee::RulesConfig rules = LoadRulesOrFail(config.vee.rules_file);
  // Manual edits live in registry.db (migrated above), so backups carry them.
  auto edit_log = vee::EditLog::Open(registry_store->path());
  FailIfError(edit_log.status());
  std::unique_ptr<vee::VeeService> validation;
  if (config.vee.enabled) {
    validation = std::make_unique<vee::VeeService>(
        *readings, [&meter_directory](uint32_t key) { return meter_directory.Lookup(key); }, rules,
        [] { return NowMillis(); });
    validation->set_settle_ms(config.vee.settle_ms);
    validation->set_edits([log = edit_log->get()](uint32_t key, int64_t from, int64_t to) {
      return log->InForce(key, from, to);
    });
  }
  // Detection and alerts follow ingest and VEE (docs/alerts.md).
  std::unique_ptr<Alerting> alerting;
  if (config.alerts.enabled) {
    alerting = Alerting::StartOrFail(config.alerts, registry_store->path(), registry, keys,
                                     meter_directory);
    if (validation) {
      validation->set_window_listener(
          [detection = alerting->detection.get()](uint32_t key, const vee::MeterInfo& meter,
                                                  std::span<const vee::ValidatedInterval> rows) {
            detection->OnWindow(key, meter, rows);
          });
    }
  }
  ingest.set_observer([validation = validation.get(), alerting = alerting.get()](
                          model::SeriesKind kind, std::span<const engine::wal::WalSample> samples) {
    if (validation && kind == model::SeriesKind::kReading) validation->Observe(samples);
    if (alerting) alerting->detection->Observe(kind, samples);
  });
  if (validation) {
    if (const size_t meters = vee::ObserveReplayed(*validation, open_report); meters > 0) {
      obs::LogInfo("validating replayed readings again",
                   {{"meters", static_cast<int64_t>(meters)}});
    }
  }
  api::SeriesBackend series{*readings, keys, ingest, registry};
  series.engine = readings.get();
  series.rules = &rules;
  series.edits = edit_log->get();
  series.validation = validation.get();
  if (validation) {
    series.reopen = [v = validation.get()](uint32_t key, const std::string&, int64_t ts) {
      v->Reopen(key, ts);
      return Status::Ok();
    };
  }
  if (alerting) {
    series.alert_store = alerting->store.get();
    series.alert_manager = alerting->manager.get();
  }
  api::HealthChecker health(*registry_store, config.storage.data_dir);
  obs::MetricsRegistry metrics;
  std::unique_ptr<ApiCaches> caches = ApiCaches::OpenOrFail(config);  // the rate limit
  api::Api api(registry, health, metrics, series, caches->ForApi());
  if (validation) RegisterValidationMetrics(metrics, *validation);
  ingest.set_counter(&metrics.AddCounter(
      "metrify_ingest_samples_total",
      "Items of ingest bodies by kind and outcome (inserted, unchanged, revised, rejected)",
      {"kind", "outcome"}));
  if (alerting) alerting->RegisterMetrics(metrics);

  http::HttpServer server(
      ServerOptions(config.server), [&api](http::HttpRequest& r) { return api.Handle(r); },
      [&api](const http::HttpRequest& req, const http::HttpResponse& resp, double seconds) {
        api.Observe(req, resp, seconds);
      });
  // The address is configuration: a port in use is the operator's to fix.
  if (Status started = server.Start(); !started.ok()) Fail(kExitUsage, started.message());
  obs::LogInfo("metrify serving",
               {{"version", METRIFY_VERSION},
                {"profile", config.profile},
                {"listen", config.server.host + ":" + std::to_string(server.port())},
                {"data_dir", config.storage.data_dir},
                {"schema_version", registry_store->SchemaVersion()}});

  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  api.SetDraining();
  server.Stop();
  // What was acknowledged is validated before the engine closes.
  if (validation) {
    validation->Drain();
    const vee::VeeStats vee_stats = validation->stats();
    obs::LogInfo("validation stopped",
                 {{"windows", static_cast<int64_t>(vee_stats.windows)},
                  {"intervals", static_cast<int64_t>(vee_stats.readings)},
                  {"overlay_rows", static_cast<int64_t>(vee_stats.overlay_rows)},
                  {"rewinds", static_cast<int64_t>(vee_stats.rewinds)},
                  {"errors", static_cast<int64_t>(vee_stats.errors)}});
    validation.reset();  // before detection: it tells detection of its windows
  }
  if (alerting) alerting->Stop();
  // Flushing the head to segments makes the next start quick (no replay);
  // a failure loses nothing: the WAL still holds every acknowledged sample.
  if (Status closed = readings->Close(); !closed.ok()) {
    obs::LogError("flush at shutdown failed; the WAL keeps the data",
                  {{"error", closed.message()}});
  }
  readings.reset();
  registry_store.reset();  // closes SQLite, checkpointing its WAL
  obs::LogInfo("stopped");
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto options = std::make_shared<ConfigOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Run the platform: REST API, dashboard and pipeline (embedded mode)");
  AddConfigFlags(*serve, options.get());
  AddOverrideFlag(*serve, options.get(), "--listen", "server.listen",
                  "Address to listen on, HOST:PORT");
  AddOverrideFlag(*serve, options.get(), "--data-dir", "storage.data_dir",
                  "Directory for all embedded data");
  serve->callback([options] { Serve(*options); });
}

}  // namespace metrify::cli
