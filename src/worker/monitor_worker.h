// MonitorWorker: `metrify worker monitor`, the one place of scaled mode
// where findings become alerts (docs/scaled.md "Detection and alerts").
//
// Of N replicas one leads (worker/monitor_leader.h); the others wait as
// standbys, consuming nothing. The leader
// - consumes metrify.alerts (group metrify-monitor), the reports of the
//   ingest workers' detection (queue/alert_report.h), applies each batch
//   through the AlertManager (PgAlertStore: folds, webhooks, meter status,
//   auto-resolve) and only then commits the batch's offsets;
// - looks for silent sources every `sweep_every`: each source's newest data
//   time from latest_samples goes to a DetectionService of its own
//   (ObserveNewest), which sweeps as embedded mode does (limits per kind,
//   area_outage on an operator with an open disturbance) and reports to
//   the same manager;
// - follows what other processes change (a person resolving through an
//   API replica) with AlertManager::Resync every `resync_every`.
// A leader whose session broke stops at once (another replica may lead
// already): its uncommitted batch goes to the new leader.
//
// Thread safety: Run on one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alert_manager.h"
#include "detect/detection_service.h"
#include "ingest/entity_keys.h"
#include "obs/metrics.h"
#include "queue/kafka_consumer.h"
#include "store/postgres/pg_pool.h"
#include "worker/monitor_leader.h"

namespace metrify::worker {

struct MonitorWorkerOptions {
  size_t max_batch = 1000;  // reports per AlertManager::Report
  std::chrono::milliseconds poll_timeout{200};
  std::chrono::milliseconds sweep_every{std::chrono::seconds(30)};  // alerts.sweep_seconds
  std::chrono::milliseconds resync_every{std::chrono::seconds(10)};
  std::chrono::milliseconds standby_retry{std::chrono::seconds(1)};  // a standby's tries
  std::chrono::milliseconds max_backoff{5000};  // between tries while the database is down
};

struct MonitorWorkerStats {
  bool leader = false;
  bool database_down = false;  // the last try to apply, sweep or lead failed so
  uint64_t reports = 0;        // alert reports applied
  uint64_t invalid = 0;        // messages that were no alert report (skipped, logged)
  uint64_t sweeps = 0;
  int64_t last_sweep_ms = 0;            // wall time of the last sweep
  std::vector<std::string> assignment;  // "topic/partition" owned now
};

class MonitorWorker {
 public:
  using ConsumerFactory = std::function<Result<std::unique_ptr<queue::KafkaConsumer>>()>;
  // A fresh DetectionService reporting to the manager, made on taking the
  // lead (a standby keeps no silence state that could go stale).
  using DetectionFactory = std::function<std::unique_ptr<detect::DetectionService>()>;

  // Every reference must outlive the worker. `reads` serves latest_samples.
  // Registers its metrics (leader, reports, sweeps, consumer lag).
  MonitorWorker(MonitorLeader& leader, ConsumerFactory consumers, DetectionFactory detection,
                alerts::AlertManager& manager, store::PgPool& reads, ingest::EntityKeys& keys,
                obs::MetricsRegistry& metrics, MonitorWorkerOptions options = {});
  ~MonitorWorker();

  // Leads or waits until `stop` is set; a leader finishes the batch in
  // hand, commits it and leaves the group. Errors: the consumer's fatal
  // ones.
  Status Run(const std::atomic<bool>& stop);

  MonitorWorkerStats stats() const;

 private:
  void TakeLead();
  void StepDown();
  // One leader's round: poll, apply, commit; resync and sweep when due.
  Status Round(const std::atomic<bool>& stop);
  // Applies the reports of `batch` (retried while the database is
  // unavailable). Errors: stopped or lost the lead before they went in.
  Status Apply(const std::vector<queue::ConsumedMessage>& batch, const std::atomic<bool>& stop);
  // Feeds the newest data time of each source that sent since the last
  // sweep to detection, then has it sweep.
  Status Sweep();
  void UpdateLag();
  void SetStat(const std::function<void(MonitorWorkerStats&)>& change);

  MonitorLeader& leader_;
  ConsumerFactory make_consumer_;
  DetectionFactory make_detection_;
  alerts::AlertManager& manager_;
  store::PgPool& reads_;
  ingest::EntityKeys& keys_;
  const MonitorWorkerOptions options_;

  std::unique_ptr<queue::KafkaConsumer> consumer_;       // while leading
  std::unique_ptr<detect::DetectionService> detection_;  // while leading
  std::unordered_map<uint64_t, int64_t> fed_;  // kind << 32 | key -> newest ts fed to detection_
  std::chrono::steady_clock::time_point next_sweep_, next_resync_, next_check_;

  obs::Counter& reports_total_;
  obs::Counter& sweeps_total_;
  obs::Gauge& lag_;
  std::set<std::pair<std::string, std::string>> lag_labels_;

  mutable std::mutex mu_;
  MonitorWorkerStats stats_;  // guarded by mu_
};

}  // namespace metrify::worker
