// `metrify worker ingest` and `metrify worker monitor`: scaled-mode worker
// processes (docs/scaled.md). They take the configuration of serve (mode:
// scaled, postgres.url, kafka.brokers, ...), serve /health and /metrics on
// --listen, and stop cleanly on SIGTERM or SIGINT: the batch in hand is
// finished and committed, VEE and detection drain, the consumer leaves its
// group. The monitor is in worker_monitor_command.cc.
#include <charconv>
#include <csignal>
#include <thread>

#include "alerts/pg_alert_store.h"
#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/exit_codes.h"
#include "cli/listen_address.h"
#include "cli/scaled_backends.h"
#include "cli/serve_alerts.h"
#include "cli/stop_signals.h"
#include "cli/validation_setup.h"
#include "cli/worker_caches.h"
#include "cli/worker_monitor_command.h"
#include "cli/worker_process_command.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "ingest/entity_keys.h"
#include "obs/log.h"
#include "queue/kafka_consumer.h"
#include "queue/kafka_producer.h"
#include "queue/sample_payload.h"
#include "registry/registry.h"
#include "vee/meter_directory.h"
#include "vee/pg_edit_log.h"
#include "vee/vee_service.h"
#include "worker/ingest_worker.h"
#include "worker/worker_endpoints.h"

namespace metrify::cli {

namespace {

struct WorkerOptions {
  ConfigOptions config;
  std::string listen = "127.0.0.1:9400";
  std::string group = "metrify-ingest";
  size_t batch = 20000;
  size_t batch_bytes = size_t{8} << 20;
};

template <typename T>
T OrFail(Result<T> result, ExitCode code) {
  if (!result) Fail(code, result.status().message());
  return std::move(result).value();
}

worker::WorkerHealth IngestHealth(const worker::IngestWorker& w, queue::KafkaConsumer& consumer) {
  const worker::IngestWorkerStats s = w.stats();
  JsonWriter j;
  j.BeginObject();
  j.Key("database").String(s.database_down ? "unavailable" : "ok");
  j.Key("batches").Int(static_cast<int64_t>(s.batches));
  j.Key("applied").Int(static_cast<int64_t>(s.applied));
  j.Key("skipped").Int(static_cast<int64_t>(s.skipped));
  j.Key("dead_lettered").Int(static_cast<int64_t>(s.dead_lettered));
  if (s.last_batch_ms > 0) {
    j.Key("last_batch_age_s").Number(static_cast<double>(NowMillis() - s.last_batch_ms) / 1000);
  }
  j.Key("assignment").BeginArray();
  for (const queue::TopicPartition& tp : consumer.Assignment()) {
    j.String(tp.topic + "/" + std::to_string(tp.partition));
  }
  j.EndArray().EndObject();
  return {.healthy = !s.database_down, .details_json = j.Take()};
}

void RunIngestWorker(const WorkerOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  config::LoadedConfig loaded = LoadConfigOrFail(options.config);
  const config::Config& config = loaded.config;
  FailIfError(obs::InitLogging(config.log.level, config.log.format));
  if (config.mode != "scaled") {
    Fail(kExitUsage, "workers run in scaled mode: set mode: scaled (METRIFY_MODE=scaled)");
  }
  const auto [host, port] = ListenOrFail(options.listen);
  ScaledBackends backends = ScaledBackends::OpenOrFail(config, 4);
  registry::Registry registry(*backends.registry);
  ingest::EntityKeys keys(*backends.registry);
  if (Status loaded_keys = keys.Load(); !loaded_keys.ok()) {
    Fail(kExitUnavailable, loaded_keys.message());
  }
  const std::string client = "metrify-worker-ingest-" + std::to_string(getpid());
  auto consumer =
      OrFail(queue::KafkaConsumer::Create(
                 {.brokers = config.kafka.brokers,
                  .group_id = options.group,
                  .client_id = client,
                  .topics = {std::string(queue::TopicOf(model::SeriesKind::kReading)),
                             std::string(queue::TopicOf(model::SeriesKind::kGridStatus)),
                             std::string(queue::TopicOf(model::SeriesKind::kObservation))}}),
             kExitUnavailable);
  auto dead_letters =
      OrFail(queue::KafkaProducer::Create({.brokers = config.kafka.brokers, .client_id = client}),
             kExitUnavailable);
  obs::MetricsRegistry metrics;
  worker::IngestWorker worker(*consumer, *dead_letters, *backends.write_pool, *backends.series,
                              keys, metrics,
                              {.group_id = options.group,
                               .producer = client,
                               .max_batch = options.batch,
                               .max_batch_bytes = options.batch_bytes});
  // Latest readings and the analytics generation in Redis follow every
  // commit (docs/cache.md); a no-op without redis.url. Declared before VEE,
  // which writes through it, so that it outlives it.
  std::unique_ptr<WorkerCaches> caches = WorkerCaches::OpenOrFail(config);
  // VEE follows what this worker stored; a meter's messages all reach the
  // member that owns its partition, so its VEE state lives here.
  vee::MeterDirectory meter_directory(registry, keys);
  const vee::RulesConfig rules = LoadRulesOrFail(config.vee.rules_file);
  // Edits made through any API replica are in force here within a second.
  auto edit_log = OrFail(vee::PgEditLog::Open(*backends.write_pool), kExitUnavailable);
  std::unique_ptr<vee::VeeService> validation;
  if (config.vee.enabled) {
    validation = std::make_unique<vee::VeeService>(
        caches->Series(*backends.series),
        [&meter_directory](uint32_t key) { return meter_directory.Lookup(key); }, rules,
        [] { return NowMillis(); });
    validation->set_settle_ms(config.vee.settle_ms);
    // Every window reads from PostgreSQL and commits overlay rows: a meter
    // waits half a second for the batches behind it instead of being
    // validated after each one (a third of the windows in the benchmark).
    validation->set_coalesce_ms(500);
    validation->set_edits([log = edit_log.get()](uint32_t key, int64_t from, int64_t to) {
      return log->InForce(key, from, to);
    });
    worker.set_edit_observer(
        [v = validation.get(), log = edit_log.get()](uint32_t key, int64_t ts) {
          // The edit is in PostgreSQL before its notice was sent: read it now
          // rather than wait for the periodic catch-up.
          if (Status caught_up = log->CatchUp(); !caught_up.ok()) {
            obs::LogWarn("edits could not be read; the edited day waits for the next catch-up",
                         {{"error", caught_up.message()}});
          }
          v->Reopen(key, ts);
        });
    // A batch's Kafka offsets are committed once VEE has validated what it
    // brought; a worker that dies before leaves the messages to the next
    // owner, which validates their readings again (docs/scaled.md).
    worker.set_commit_gate(
        {.observed = [v = validation.get()] { return v->observed(); },
         .validated_through = [v = validation.get()] { return v->validated_through(); }});
    worker.set_redelivery_observer(
        [v = validation.get()](model::SeriesKind, std::span<const engine::wal::WalSample> samples,
                               std::span<const uint32_t>) { v->Observe(samples); });
    RegisterValidationMetrics(metrics, *validation);
  }
  // Detection of what this worker stores; the monitor makes alerts of it.
  std::unique_ptr<Alerting> alerting;
  if (config.alerts.enabled) {
    auto store = OrFail(alerts::PgAlertStore::Open(*backends.write_pool), kExitUnavailable);
    // The dead-letter producer is idle but for poison: it carries the reports too.
    alerting = Alerting::PublishOrFail(config.alerts, std::move(store), *dead_letters, client,
                                       registry, keys, meter_directory);
    alerting->RegisterMetrics(metrics);
    if (validation) {
      validation->set_window_listener(
          [detection = alerting->detection.get()](uint32_t key, const vee::MeterInfo& meter,
                                                  std::span<const vee::ValidatedInterval> rows) {
            detection->OnWindow(key, meter, rows);
          });
    }
  }
  worker.set_observer(
      [v = validation.get(), a = alerting.get(), cached = caches->Observer(*backends.series)](
          model::SeriesKind kind, std::span<const engine::wal::WalSample> samples,
          std::span<const uint32_t> first_stored) {
        cached(kind, samples, first_stored);  // first: Redis is told before VEE and detection run
        if (v && kind == model::SeriesKind::kReading) v->Observe(samples, first_stored);
        if (a) a->detection->Observe(kind, samples);
      });
  worker::WorkerEndpoints endpoints("ingest", metrics,
                                    [&] { return IngestHealth(worker, *consumer); });
  if (Status started = endpoints.Start(host, port); !started.ok()) {
    Fail(kExitUsage, started.message());
  }
  obs::LogInfo("metrify worker ingest running",
               {{"version", METRIFY_VERSION},
                {"group", options.group},
                {"listen", host + ":" + std::to_string(endpoints.port())}});

  std::atomic<bool> stop{false};
  Status outcome;
  std::thread runner([&] {
    outcome = worker.Run(stop);
    if (!outcome.ok()) kill(getpid(), SIGTERM);  // wakes the sigwait below
  });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("worker stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  endpoints.SetDraining();
  stop = true;
  runner.join();
  if (validation) {
    validation->Drain();
    worker.CommitValidated();  // what VEE finished while stopping
    const vee::VeeStats v = validation->stats();
    obs::LogInfo("validation stopped", {{"windows", static_cast<int64_t>(v.windows)},
                                        {"intervals", static_cast<int64_t>(v.readings)},
                                        {"overlay_rows", static_cast<int64_t>(v.overlay_rows)},
                                        {"rewinds", static_cast<int64_t>(v.rewinds)},
                                        {"errors", static_cast<int64_t>(v.errors)},
                                        {"waiting_meters", static_cast<int64_t>(v.dirty_meters)}});
  }
  validation.reset();              // before detection: it tells detection of its windows
  if (alerting) alerting->Stop();  // judges and publishes what was stored
  if (Status closed = consumer->Close(); !closed.ok()) {
    obs::LogWarn("leaving the consumer group failed", {{"error", closed.message()}});
  }
  endpoints.Stop();
  const worker::IngestWorkerStats s = worker.stats();
  obs::LogInfo("worker stopped", {{"batches", static_cast<int64_t>(s.batches)},
                                  {"applied", static_cast<int64_t>(s.applied)},
                                  {"skipped", static_cast<int64_t>(s.skipped)},
                                  {"dead_lettered", static_cast<int64_t>(s.dead_lettered)}});
  if (!outcome.ok()) Fail(kExitUnavailable, outcome.message());
}

}  // namespace

void AddWorkerCommand(CLI::App& app) {
  CLI::App* worker = app.add_subcommand("worker", "Run a scaled-mode worker role (docs/scaled.md)");
  worker->require_subcommand(1);
  auto options = std::make_shared<WorkerOptions>();
  CLI::App* ingest = worker->add_subcommand(
      "ingest",
      "Consume metrify.readings, metrify.grid-status and metrify.weather: validate, store in "
      "PostgreSQL, commit; poison messages go to metrify.dlq; with alerts.enabled, findings of "
      "detection go to metrify.alerts");
  AddConfigFlags(*ingest, &options->config);
  ingest->add_option("--listen", options->listen, "HOST:PORT for /health and /metrics")
      ->capture_default_str();
  ingest->add_option("--group", options->group, "Kafka consumer group")->capture_default_str();
  ingest->add_option("--batch", options->batch, "Most messages per database transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  ingest
      ->add_option("--batch-bytes", options->batch_bytes,
                   "Most bytes of messages per database transaction (a message carries one "
                   "reading or many)")
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 30))
      ->capture_default_str();
  ingest->callback([options] { RunIngestWorker(*options); });
  AddWorkerMonitorCommand(*worker);
  AddWorkerProcessCommand(*worker);
}

}  // namespace metrify::cli
