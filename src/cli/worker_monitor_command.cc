// `metrify worker monitor`: the scaled-mode role that turns the ingest
// workers' findings into alerts and looks for silent sources (docs/scaled.md
// "Detection and alerts", worker/monitor_worker.h). Any number may run: one
// leads, the others stand by. SIGTERM or SIGINT: the batch in hand is
// applied and committed, the consumer leaves its group, exit 0.
#include "cli/worker_monitor_command.h"
#include "cli/listen_address.h"

#include <charconv>
#include <csignal>
#include <thread>

#include "alerts/pg_alert_store.h"
#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/exit_codes.h"
#include "cli/scaled_backends.h"
#include "cli/serve_alerts.h"
#include "cli/stop_signals.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "ingest/entity_keys.h"
#include "obs/log.h"
#include "queue/alert_report.h"
#include "registry/registry.h"
#include "worker/monitor_worker.h"
#include "worker/worker_endpoints.h"

namespace metrify::cli {

namespace {

struct MonitorOptions {
  ConfigOptions config;
  std::string listen = "127.0.0.1:9401";
  std::string group = "metrify-monitor";
};

worker::WorkerHealth MonitorHealth(const worker::MonitorWorker& monitor) {
  const worker::MonitorWorkerStats s = monitor.stats();
  JsonWriter j;
  j.BeginObject();
  j.Key("role").String(s.leader ? "leader" : "standby");
  j.Key("database").String(s.database_down ? "unavailable" : "ok");
  j.Key("reports").Int(static_cast<int64_t>(s.reports));
  j.Key("invalid").Int(static_cast<int64_t>(s.invalid));
  j.Key("sweeps").Int(static_cast<int64_t>(s.sweeps));
  if (s.last_sweep_ms > 0) {
    j.Key("last_sweep_age_s").Number(static_cast<double>(NowMillis() - s.last_sweep_ms) / 1000);
  }
  j.Key("assignment").BeginArray();
  for (const std::string& tp : s.assignment) j.String(tp);
  j.EndArray().EndObject();
  // A standby is healthy: it is ready to take over.
  return {.healthy = !s.database_down, .details_json = j.Take()};
}

// Rules, registry and manager outlive the worker that calls this.
worker::MonitorWorker::DetectionFactory SilenceSweep(const config::Config& config,
                                                     const detect::DetectRules& rules,
                                                     ingest::EntityKeys& keys,
                                                     registry::Registry& registry,
                                                     alerts::AlertManager& manager) {
  return [&rules, &keys, &registry, &manager, seconds = config.alerts.sweep_seconds] {
    detect::DetectionService::Options options;
    options.rules = rules;
    options.sweep_every = std::chrono::seconds(seconds);
    return std::make_unique<detect::DetectionService>(keys, registry, manager, options);
  };
}

void RunMonitorWorker(const MonitorOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  config::LoadedConfig loaded = LoadConfigOrFail(options.config);
  const config::Config& config = loaded.config;
  FailIfError(obs::InitLogging(config.log.level, config.log.format));
  if (config.mode != "scaled") {
    Fail(kExitUsage, "workers run in scaled mode: set mode: scaled (METRIFY_MODE=scaled)");
  }
  if (!config.alerts.enabled) {
    Fail(kExitUsage, "the monitor keeps alerts: alerts.enabled is false");
  }
  const auto [host, port] = ListenOrFail(options.listen);
  ScaledBackends backends = ScaledBackends::OpenOrFail(config, 4);
  registry::Registry registry(*backends.registry);
  ingest::EntityKeys keys(*backends.registry);
  if (Status loaded_keys = keys.Load(); !loaded_keys.ok()) {
    Fail(kExitUnavailable, loaded_keys.message());
  }
  auto store = alerts::PgAlertStore::Open(*backends.write_pool);
  if (!store) Fail(kExitUnavailable, "alerts: " + store.status().message());
  std::unique_ptr<Alerting> alerting =
      Alerting::ManageOrFail(config.alerts, std::move(store).value(), registry);
  const detect::DetectRules rules = Alerting::RulesOrFail(config.alerts);
  obs::MetricsRegistry metrics;
  alerting->RegisterMetrics(metrics);

  const std::string client = "metrify-worker-monitor-" + std::to_string(getpid());
  worker::MonitorLeader leader(config.postgres.url, config.postgres.password);
  auto consumers = [&config, &options, &client] {
    // A killed leader's partitions wait for its session to time out before
    // the new leader gets them; only the leader is ever a member, so a short
    // timeout costs nothing.
    return queue::KafkaConsumer::Create({.brokers = config.kafka.brokers,
                                         .group_id = options.group,
                                         .client_id = client,
                                         .topics = {std::string(queue::kAlertsTopic)},
                                         .session_timeout = std::chrono::seconds(6)});
  };
  worker::MonitorWorker monitor(leader, consumers,
                                SilenceSweep(config, rules, keys, registry, *alerting->manager),
                                *alerting->manager, backends.reads(), keys, metrics,
                                {.sweep_every = std::chrono::seconds(config.alerts.sweep_seconds)});
  worker::WorkerEndpoints endpoints("monitor", metrics, [&] { return MonitorHealth(monitor); });
  if (Status started = endpoints.Start(host, port); !started.ok()) {
    Fail(kExitUsage, started.message());
  }
  obs::LogInfo("metrify worker monitor running",
               {{"version", METRIFY_VERSION},
                {"group", options.group},
                {"listen", host + ":" + std::to_string(endpoints.port())}});

  std::atomic<bool> stop{false};
  Status outcome;
  std::thread runner([&] {
    outcome = monitor.Run(stop);
    if (!outcome.ok()) kill(getpid(), SIGTERM);  // wakes the sigwait below
  });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("worker stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  endpoints.SetDraining();
  stop = true;
  runner.join();  // the batch in hand applied and committed, the group left
  alerting->Stop();
  endpoints.Stop();
  const worker::MonitorWorkerStats s = monitor.stats();
  obs::LogInfo("worker stopped", {{"reports", static_cast<int64_t>(s.reports)},
                                  {"sweeps", static_cast<int64_t>(s.sweeps)}});
  if (!outcome.ok()) Fail(kExitUnavailable, outcome.message());
}

}  // namespace

void AddWorkerMonitorCommand(CLI::App& worker) {
  auto options = std::make_shared<MonitorOptions>();
  CLI::App* monitor = worker.add_subcommand(
      "monitor",
      "Consume metrify.alerts: make alerts of the ingest workers' findings (webhooks, meter "
      "status), look for silent sources; of N replicas one leads, the others stand by");
  AddConfigFlags(*monitor, &options->config);
  monitor->add_option("--listen", options->listen, "HOST:PORT for /health and /metrics")
      ->capture_default_str();
  monitor->add_option("--group", options->group, "Kafka consumer group")->capture_default_str();
  monitor->callback([options] { RunMonitorWorker(*options); });
}

}  // namespace metrify::cli
