#include "cli/serve_scaled.h"

#include <thread>
#include <unordered_map>

#include "alerts/pg_alert_store.h"
#include "api/api.h"
#include "cli/api_caches.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/scaled_backends.h"
#include "cli/serve_alerts.h"
#include "cli/validation_setup.h"
#include "common/time.h"
#include "ingest/entity_keys.h"
#include "ingest/ingest_service.h"
#include "obs/log.h"
#include "queue/edit_notice.h"
#include "queue/envelope.h"
#include "queue/kafka_producer.h"
#include "queue/sample_payload.h"
#include "queue/trace_context.h"
#include "store/postgres/pg_quality.h"
#include "vee/pg_edit_log.h"

namespace metrify::cli {

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

namespace {

// One message per entity of a body: the entity id is the key, so one
// entity's samples stay on one partition, in order.
std::vector<queue::KafkaMessage> Messages(model::SeriesKind kind,
                                          std::span<const model::Sample> samples,
                                          const std::string& producer) {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<model::Sample>> by_entity;
  for (const model::Sample& s : samples) {
    auto [it, added] = by_entity.try_emplace(s.entity_id);
    if (added) order.push_back(s.entity_id);
    it->second.push_back(s);
  }
  const std::string traceparent = queue::NewTraceparent();
  std::vector<queue::KafkaMessage> out;
  out.reserve(order.size());
  for (const std::string& id : order) {
    queue::Envelope envelope;
    envelope.type = std::string(model::SeriesKindName(kind));
    envelope.produced_at_ms = NowMillis();
    envelope.producer = producer;
    envelope.traceparent = queue::ChildTraceparent(traceparent);
    envelope.payload_json = queue::EncodeSamples(kind, id, by_entity[id]);
    out.push_back({.topic = std::string(queue::TopicOf(kind)),
                   .key = id,
                   .value = queue::EncodeEnvelope(envelope),
                   .headers = {{"traceparent", envelope.traceparent}}});
  }
  return out;
}

// Learns the entities other replicas registered: a miss asks the database
// anyway, but fleet listings read what is known.
void RefreshKeys(ingest::EntityKeys& keys, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    for (int i = 0; i < 50 && !stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (Status s = keys.Load(); !s.ok() && !stop.load()) {
      obs::LogWarn("could not refresh the entity keys", {{"error", s.message()}});
    }
  }
}

}  // namespace

void ServeScaled(const config::Config& config, const sigset_t& stop_signals) {
  const size_t connections = std::max<size_t>(8, static_cast<size_t>(config.server.threads));
  ScaledBackends backends = ScaledBackends::OpenOrFail(config, connections);
  registry::Registry registry(*backends.registry);
  ingest::EntityKeys keys(*backends.registry);
  if (Status loaded = keys.Load(); !loaded.ok()) Fail(kExitUnavailable, loaded.message());
  keys.Follow(registry);
  const std::string producer_name = "metrify-serve-" + std::to_string(getpid());
  auto producer = queue::KafkaProducer::Create(
      {.brokers = config.kafka.brokers,
       .client_id = producer_name,
       .delivery_timeout = std::chrono::milliseconds(
           static_cast<int64_t>(config.kafka.delivery_timeout_s * 1000))});
  if (!producer) Fail(kExitUnavailable, producer.status().message());
  ingest::IngestService ingest(*backends.series, keys, registry, config.ingest.auto_register);
  ingest.set_forwarder(
      [&producer, &producer_name](model::SeriesKind kind, std::span<const model::Sample> samples) {
        return (*producer)->ProduceAll(Messages(kind, samples, producer_name));
      });
  const vee::RulesConfig rules = LoadRulesOrFail(config.vee.rules_file);
  // Rate limit, cached analytics and latest readings in Redis (docs/cache.md).
  std::unique_ptr<ApiCaches> caches = ApiCaches::OpenOrFail(config);
  api::SeriesBackend series{caches->Series(*backends.series), keys, ingest, registry};
  series.rules = &rules;
  // Daily quality reports `metrify worker process` keeps (docs/scaled.md
  // "Quality reports"), read where they answer as computing would.
  store::PgQualityDays quality_days(backends.reads());
  series.quality_days = &quality_days;
  // The ingest worker owning the meter validates the edited day again.
  series.reopen = [&producer, &producer_name](uint32_t, const std::string& meter_id,
                                              int64_t timestamp_ms) {
    queue::Envelope envelope;
    envelope.type = std::string(queue::kEditNoticeType);
    envelope.produced_at_ms = NowMillis();
    envelope.producer = producer_name;
    envelope.traceparent = queue::NewTraceparent();
    envelope.payload_json = queue::EncodeEditNotice({meter_id, timestamp_ms});
    const queue::KafkaMessage notice[] = {
        {.topic = std::string(queue::TopicOf(model::SeriesKind::kReading)),
         .key = meter_id,
         .value = queue::EncodeEnvelope(envelope),
         .headers = {{"traceparent", envelope.traceparent}}}};
    return (*producer)->ProduceAll(notice);
  };
  // Edits and alerts are PostgreSQL's, shared with the other replicas and
  // the workers; detection runs in the workers, which see the data.
  auto edit_log = vee::PgEditLog::Open(*backends.write_pool);
  if (!edit_log) Fail(kExitUnavailable, "edits: " + edit_log.status().message());
  series.edits = edit_log->get();
  std::unique_ptr<Alerting> alerting;
  if (config.alerts.enabled) {
    auto store = alerts::PgAlertStore::Open(*backends.write_pool);
    if (!store) Fail(kExitUnavailable, "alerts: " + store.status().message());
    alerting = Alerting::ManageOrFail(config.alerts, std::move(store).value(), registry);
    series.alert_store = alerting->store.get();
    series.alert_manager = alerting->manager.get();
  }
  api::HealthChecker health(*backends.registry, "");  // no data directory here
  obs::MetricsRegistry metrics;
  api::Api api(registry, health, metrics, series, caches->ForApi());
  ingest.set_counter(&metrics.AddCounter(
      "metrify_ingest_samples_total",
      "Items of ingest bodies by kind and outcome (inserted, unchanged, revised, queued, "
      "rejected)",
      {"kind", "outcome"}));
  if (alerting) alerting->RegisterMetrics(metrics);
  http::HttpServer server(
      ServerOptions(config.server), [&api](http::HttpRequest& r) { return api.Handle(r); },
      [&api](const http::HttpRequest& req, const http::HttpResponse& resp, double seconds) {
        api.Observe(req, resp, seconds);
      });
  if (Status started = server.Start(); !started.ok()) Fail(kExitUsage, started.message());
  std::atomic<bool> stop{false};
  std::thread refresher([&] { RefreshKeys(keys, stop); });
  obs::LogInfo("metrify serving",
               {{"version", METRIFY_VERSION},
                {"mode", "scaled"},
                {"profile", config.profile},
                {"listen", config.server.host + ":" + std::to_string(server.port())},
                {"schema_version", backends.registry->SchemaVersion()}});
  int signal = 0;
  sigwait(&stop_signals, &signal);
  obs::LogInfo("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  api.SetDraining();
  server.Stop();
  stop = true;
  refresher.join();
  if (alerting) alerting->Stop();
  obs::LogInfo("stopped");
}

}  // namespace metrify::cli
