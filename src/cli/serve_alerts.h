// The detection and alerting part of `metrify serve` (docs/alerts.md): the
// alert store in registry.db, webhooks, the alert manager and the detection
// service, built from the configuration and stopped in order. Scaled mode
// (docs/scaled.md "Detection and alerts") builds parts of it: API replicas
// the manager, ingest workers detection with a publisher, the monitor the
// manager with its own silence sweep.
#pragma once

#include <memory>
#include <string>

#include "alerts/alert_manager.h"
#include "alerts/alert_publisher.h"
#include "alerts/alert_store.h"
#include "alerts/webhook.h"
#include "config/config.h"
#include "detect/detection_service.h"
#include "ingest/entity_keys.h"
#include "obs/metrics.h"
#include "registry/registry.h"
#include "vee/meter_directory.h"

namespace metrify::cli {

struct Alerting {
  std::unique_ptr<alerts::AlertStore> store;
  std::unique_ptr<alerts::WebhookNotifier> webhooks;    // null without URLs
  std::unique_ptr<alerts::AlertManager> manager;        // null in ingest workers
  std::unique_ptr<alerts::AlertPublisher> publisher;    // ingest workers only
  std::unique_ptr<detect::DetectionService> detection;  // null: alerts without detection

  // Builds it all, or exits with kExitUsage naming what is wrong in the
  // configuration (a rules file's mistakes, a bad webhook URL) and
  // kExitFailure when the store cannot be opened.
  static std::unique_ptr<Alerting> StartOrFail(const config::AlertsConfig& config,
                                               const std::string& registry_db,
                                               registry::Registry& registry,
                                               ingest::EntityKeys& keys,
                                               vee::MeterDirectory& meters);
  // The alerts without detection (scaled mode's API replicas, where the
  // workers detect): `store`, webhooks and the manager that acknowledges
  // and resolves. Exits as StartOrFail.
  static std::unique_ptr<Alerting> ManageOrFail(const config::AlertsConfig& config,
                                                std::unique_ptr<alerts::AlertStore> store,
                                                registry::Registry& registry);
  // Scaled mode's ingest worker: detection of what it stores, without the
  // silence sweep, its findings published to metrify.alerts by `producer`
  // (which must outlive this); `store` answers which alerts are open.
  // Exits as StartOrFail.
  static std::unique_ptr<Alerting> PublishOrFail(
      const config::AlertsConfig& config, std::unique_ptr<alerts::AlertStore> store,
      queue::KafkaProducer& producer, const std::string& producer_name,
      registry::Registry& registry, ingest::EntityKeys& keys, vee::MeterDirectory& meters);
  // The rules of `config` (the shipped file under alerts.rules_file);
  // exits with kExitUsage listing the mistakes.
  static detect::DetectRules RulesOrFail(const config::AlertsConfig& config);
  static void RegisterDetectionMetrics(obs::MetricsRegistry& metrics,
                                       const detect::DetectionService& detection);
  void RegisterMetrics(obs::MetricsRegistry& metrics);
  // Judges what was observed, then stops detection and delivers (or
  // dead-letters) what webhooks still hold.
  void Stop();

 private:
  static std::unique_ptr<Alerting> ManageOrFail(const config::AlertsConfig& config,
                                                std::unique_ptr<alerts::AlertStore> store,
                                                registry::Registry& registry,
                                                const detect::DetectRules& rules);
  void RegisterAlertMetrics(obs::MetricsRegistry& metrics);
};

}  // namespace metrify::cli
