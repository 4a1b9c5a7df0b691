// `metrify serve`: the platform in one process (embedded mode): registry in
// SQLite under the data directory, the REST API on Beast. SIGTERM or SIGINT
// stops it gracefully: stop accepting, finish in-flight requests, close the
// stores (which flushes them), exit 0.
#include <csignal>
#include <iostream>

#include "api/api.h"
#include "cli/command.h"
#include "cli/config_options.h"
#include "http/server.h"
#include "obs/log.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::cli {

namespace {

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later,
// so that only the sigwait() below receives them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

http::HttpServerOptions ServerOptions(const config::ServerConfig& c) {
  auto ms = [](double seconds) {
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  };
  http::HttpServerOptions o;
  o.host = c.host;
  o.port = c.port;
  o.threads = c.threads;
  o.max_body_bytes = c.max_body_bytes;
  o.read_timeout = ms(c.read_timeout_s);
  o.write_timeout = ms(c.write_timeout_s);
  o.idle_timeout = ms(c.idle_timeout_s);
  o.shutdown_grace = ms(c.shutdown_grace_s);
  return o;
}

void Serve(const ConfigOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  config::LoadedConfig loaded = LoadConfigOrFail(options);
  const config::Config& config = loaded.config;
  FailIfError(obs::InitLogging(config.log.level, config.log.format));
  if (config.mode != "embedded") {
    Fail(kExitUsage, "mode \"" + config.mode + "\" is not available in this version; use embedded");
  }
  auto opened = store::SqliteRegistry::Open(config.storage.data_dir);
  FailIfError(opened.status());
  std::unique_ptr<store::SqliteRegistry> registry_store = std::move(opened).value();
  registry::Registry registry(*registry_store);
  api::HealthChecker health(*registry_store, config.storage.data_dir);
  obs::MetricsRegistry metrics;
  api::Api api(registry, health, metrics);

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
