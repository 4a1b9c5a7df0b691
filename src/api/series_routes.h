// The time-series resources: ingest and queries of meter readings, grid
// status and weather observations, all through the series store
// (the readings engine in embedded mode, PostgreSQL in scaled mode).
//   POST /api/v1/readings                               many meters
//   POST /api/v1/smart-meters/{id}/readings             one meter
//   POST /api/v1/grid-operators/{id}/status
//   POST /api/v1/weather/stations/{id}/observations
//   GET  the three {id} paths above: a range, raw or in calendar buckets
//   PUT  /api/v1/smart-meters/{id}/readings/{timestamp} a manual edit
//   GET  /api/v1/smart-meters/{id}/edits                the audit trail
//   GET  /api/v1/readings/latest                        newest reading per meter
//   GET  /api/v1/analytics/consumption                  fleet energy per bucket
//   GET  /api/v1/alerts, /api/v1/alerts/{id}            alerts of detection
//   POST /api/v1/alerts/{id}/acknowledge|resolve        a person's steps
//   GET  /api/v1/analytics/anomalies                    alert counts per group
// Bodies: JSON array, NDJSON or CSV by Content-Type; per-item rejections in
// the answer (docs/api.md, "Ingest" and "Ingest rejections").
#pragma once

#include <functional>
#include <string>

#include "alerts/alert_manager.h"
#include "alerts/alert_store.h"
#include "api/router.h"
#include "ingest/entity_keys.h"
#include "ingest/ingest_service.h"
#include "registry/registry.h"
#include "store/engine/readings_engine.h"
#include "store/series_store.h"
#include "vee/edit_log.h"
#include "vee/quality_days.h"
#include "vee/rules.h"
#include "vee/vee_service.h"

namespace metrify::api {

// What the series routes need; every member must outlive the router.
struct SeriesBackend {
  store::SeriesStore& store;
  ingest::EntityKeys& keys;
  ingest::IngestService& ingest;
  registry::Registry& registry;
  // Validation (docs/vee.md). The rules give each meter's settings; the
  // edit log holds manual edits (null: editing is not offered); validation
  // is the running VEE service (null when vee.enabled is false).
  const vee::RulesConfig* rules = nullptr;
  vee::EditLog* edits = nullptr;
  vee::VeeService* validation = nullptr;
  // Alerts (docs/alerts.md): the store the alert routes read, and the
  // manager that acknowledges and resolves (it notifies webhooks and keeps
  // meter status in step). Null store: alerts are not enabled, the alert
  // routes answer 503.
  alerts::AlertStore* alert_store = nullptr;
  alerts::AlertManager* alert_manager = nullptr;
  // Told of every manual edit once it is recorded, to validate its day
  // again: VEE's Reopen in embedded mode, a notice to the meter's ingest
  // worker in scaled mode. Its error fails the request (the edit stays
  // recorded; a retry records it again, which changes nothing in force).
  std::function<Status(uint32_t key, const std::string& meter_id, int64_t timestamp_ms)> reopen =
      nullptr;
  // The embedded engine itself, for what only it does (backups); null in
  // scaled mode.
  engine::ReadingsEngine* engine = nullptr;
  // Daily quality reports kept by `metrify worker process` (scaled mode;
  // vee/quality_days.h): the quality routes answer from them where they
  // equal computing the days now. Null: always computed (embedded mode).
  const vee::QualityDays* quality_days = nullptr;
};

void AddIngestRoutes(Router& router, SeriesBackend& backend);
void AddSeriesQueryRoutes(Router& router, SeriesBackend& backend);
void AddFleetRoutes(Router& router, SeriesBackend& backend);
void AddEditRoutes(Router& router, SeriesBackend& backend);
void AddQualityRoutes(Router& router, SeriesBackend& backend);
void AddAlertRoutes(Router& router, SeriesBackend& backend);

}  // namespace metrify::api
