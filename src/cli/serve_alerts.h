// The detection and alerting part of `metrify serve` (docs/alerts.md): the
// alert store in registry.db, webhooks, the alert manager and the detection
// service, built from the configuration and stopped in order.
#pragma once

#include <memory>
#include <string>

#include "alerts/alert_manager.h"
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
  std::unique_ptr<alerts::WebhookNotifier> webhooks;  // null without URLs
  std::unique_ptr<alerts::AlertManager> manager;
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
  void RegisterMetrics(obs::MetricsRegistry& metrics);
  // Judges what was observed, then stops detection and delivers (or
  // dead-letters) what webhooks still hold.
  void Stop();

 private:
  static std::unique_ptr<Alerting> ManageOrFail(const config::AlertsConfig& config,
                                                std::unique_ptr<alerts::AlertStore> store,
                                                registry::Registry& registry,
                                                const detect::DetectRules& rules);
  void RegisterDetectionMetrics(obs::MetricsRegistry& metrics);
  void RegisterAlertMetrics(obs::MetricsRegistry& metrics);
};

}  // namespace metrify::cli
