#include "cli/serve_alerts.h"

#include <cmath>

#include "cli/command.h"
#include "common/strings.h"
#include "config/layers.h"
#include "obs/log.h"

namespace metrify::cli {

namespace {

detect::DetectRules LoadRulesOrFail(const std::string& path) {
  std::string yaml;
  if (!path.empty()) {
    Result<std::string> text = config::ReadTextFile(path, "alert rules file");
    if (!text) Fail(kExitUsage, text.status().message());
    yaml = std::move(text).value();
  }
  Result<detect::DetectRules> rules = detect::LoadDetectRules(yaml, path.empty() ? "" : path);
  if (!rules) Fail(kExitUsage, rules.status().message());
  return std::move(rules).value();
}

std::unique_ptr<alerts::WebhookNotifier> WebhooksOrFail(const config::AlertsConfig& config,
                                                        alerts::AlertStore& store) {
  alerts::WebhookConfig webhook;
  for (std::string_view url : Split(config.webhook_urls, ',')) {
    if (!Trim(url).empty()) webhook.urls.emplace_back(Trim(url));
  }
  if (webhook.urls.empty()) return nullptr;
  webhook.secret = config.webhook_secret;
  auto sink = [&store](const alerts::DeadLetter& letter) {
    if (Status kept = store.RecordDeadLetter(letter); !kept.ok()) {
      obs::LogError("webhook dead letter not stored",
                    {{"alert_id", letter.alert_id}, {"error", kept.message()}});
    }
  };
  Result<std::unique_ptr<alerts::WebhookNotifier>> notifier =
      alerts::WebhookNotifier::Create(std::move(webhook), sink);
  if (!notifier) Fail(kExitUsage, "alerts.webhook_urls: " + notifier.status().message());
  return std::move(notifier).value();
}

}  // namespace

std::unique_ptr<Alerting> Alerting::ManageOrFail(const config::AlertsConfig& config,
                                                 std::unique_ptr<alerts::AlertStore> store,
                                                 registry::Registry& registry,
                                                 const detect::DetectRules& rules) {
  auto alerting = std::make_unique<Alerting>();
  alerting->store = std::move(store);
  alerting->webhooks = WebhooksOrFail(config, *alerting->store);
  alerts::AlertManagerOptions manager;
  manager.clear_for_ms = [auto_resolve = rules.auto_resolve](std::string_view type) {
    return auto_resolve.ForType(type);
  };
  alerting->manager = std::make_unique<alerts::AlertManager>(*alerting->store, &registry,
                                                             alerting->webhooks.get(), manager);
  return alerting;
}

std::unique_ptr<Alerting> Alerting::ManageOrFail(const config::AlertsConfig& config,
                                                 std::unique_ptr<alerts::AlertStore> store,
                                                 registry::Registry& registry) {
  return ManageOrFail(config, std::move(store), registry, LoadRulesOrFail(config.rules_file));
}

detect::DetectRules Alerting::RulesOrFail(const config::AlertsConfig& config) {
  return LoadRulesOrFail(config.rules_file);
}

std::unique_ptr<Alerting> Alerting::PublishOrFail(
    const config::AlertsConfig& config, std::unique_ptr<alerts::AlertStore> store,
    queue::KafkaProducer& producer, const std::string& producer_name, registry::Registry& registry,
    ingest::EntityKeys& keys, vee::MeterDirectory& meters) {
  detect::DetectRules rules = LoadRulesOrFail(config.rules_file);
  auto alerting = std::make_unique<Alerting>();
  alerting->store = std::move(store);
  alerts::AlertPublisherOptions publisher;
  publisher.producer = producer_name;
  publisher.clear_for_ms = [auto_resolve = rules.auto_resolve](std::string_view type) {
    return auto_resolve.ForType(type);
  };
  alerting->publisher =
      std::make_unique<alerts::AlertPublisher>(producer, *alerting->store, std::move(publisher));
  detect::DetectionService::Options detection;
  detection.rules = std::move(rules);
  detection.sweep = false;  // the monitor's: a worker sees only its partitions' sources
  detection.meter_info = [&meters](uint32_t key) { return meters.Lookup(key); };
  Result<std::vector<alerts::Alert>> open = alerting->store->OpenAlerts();
  if (!open) Fail(kExitUnavailable, "alerts: " + open.status().message());
  detection.open_alerts = std::move(open).value();
  alerting->detection =
      std::make_unique<detect::DetectionService>(keys, registry, *alerting->publisher, detection);
  return alerting;
}

std::unique_ptr<Alerting> Alerting::StartOrFail(const config::AlertsConfig& config,
                                                const std::string& registry_db,
                                                registry::Registry& registry,
                                                ingest::EntityKeys& keys,
                                                vee::MeterDirectory& meters) {
  Result<std::unique_ptr<alerts::AlertStore>> store = alerts::AlertStore::Open(registry_db);
  if (!store) Fail(kExitFailure, "alerts: " + store.status().message());
  detect::DetectRules rules = LoadRulesOrFail(config.rules_file);
  std::unique_ptr<Alerting> alerting =
      ManageOrFail(config, std::move(store).value(), registry, rules);

  detect::DetectionService::Options detection;
  detection.rules = std::move(rules);
  detection.sweep_every = std::chrono::seconds(config.sweep_seconds);
  detection.meter_info = [&meters](uint32_t key) { return meters.Lookup(key); };
  Result<std::vector<alerts::Alert>> open = alerting->store->OpenAlerts();
  if (!open) Fail(kExitFailure, "alerts: " + open.status().message());
  detection.open_alerts = std::move(open).value();
  alerting->detection =
      std::make_unique<detect::DetectionService>(keys, registry, *alerting->manager, detection);
  return alerting;
}

void Alerting::RegisterMetrics(obs::MetricsRegistry& metrics) {
  if (detection) RegisterDetectionMetrics(metrics, *detection);
  if (manager) RegisterAlertMetrics(metrics);
  if (!publisher) return;
  metrics
      .AddCounter("metrify_alert_reports_published_total",
                  "Alert reports acknowledged by the brokers on metrify.alerts")
      .SetCallback([this] { return static_cast<double>(publisher->stats().messages); });
  metrics
      .AddCounter("metrify_alert_report_failures_total",
                  "Batches of findings the brokers did not acknowledge (dropped)")
      .SetCallback([this] { return static_cast<double>(publisher->stats().failed); });
}

void Alerting::RegisterDetectionMetrics(obs::MetricsRegistry& metrics,
                                        const detect::DetectionService& detection) {
  const detect::DetectionService* d = &detection;
  metrics
      .AddGauge("metrify_detect_queued_samples", "Samples stored but not yet judged by detection")
      .SetCallback([d] { return static_cast<double>(d->stats().queued); });
  metrics.AddCounter("metrify_detect_samples_total", "Samples judged by the detectors")
      .SetCallback([d] { return static_cast<double>(d->stats().samples); });
  metrics
      .AddCounter("metrify_detect_attributed_total",
                  "Meter frequency_out findings left to the grid operator's open alert")
      .SetCallback([d] { return static_cast<double>(d->stats().attributed); });
}

void Alerting::RegisterAlertMetrics(obs::MetricsRegistry& metrics) {
  metrics.AddCounter("metrify_alert_findings_total", "Findings reported by the detectors")
      .SetCallback([this] { return static_cast<double>(manager->stats().findings); });
  metrics.AddCounter("metrify_alerts_opened_total", "Alerts opened").SetCallback([this] {
    return static_cast<double>(manager->stats().opened);
  });
  metrics
      .AddCounter("metrify_alerts_auto_resolved_total",
                  "Alerts resolved because their condition stayed clear")
      .SetCallback([this] { return static_cast<double>(manager->stats().auto_resolved); });
  // NaN while the store cannot count (its database is down): not a false 0.
  metrics.AddGauge("metrify_alerts_open", "Alerts open (OPEN or ACKNOWLEDGED)").SetCallback([this] {
    Result<size_t> open = store->OpenCount();
    return open ? static_cast<double>(*open) : std::nan("");
  });
  if (!webhooks) return;
  metrics.AddCounter("metrify_webhook_delivered_total", "Webhook deliveries answered 2xx")
      .SetCallback([this] { return static_cast<double>(webhooks->stats().delivered); });
  metrics
      .AddCounter("metrify_webhook_dead_letters_total",
                  "Webhook deliveries given up and stored as dead letters")
      .SetCallback([this] { return static_cast<double>(webhooks->stats().dead_lettered); });
}

void Alerting::Stop() {
  if (detection) detection->Drain();
  detection.reset();
  if (webhooks) webhooks->Stop();
  manager.reset();
  publisher.reset();
  webhooks.reset();
  store.reset();
}

}  // namespace metrify::cli
