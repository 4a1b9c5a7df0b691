#include "worker/monitor_worker.h"

#include <algorithm>
#include <thread>

#include "common/time.h"
#include "obs/log.h"
#include "queue/alert_report.h"
#include "queue/envelope.h"

namespace metrify::worker {

namespace {

using Clock = std::chrono::steady_clock;

// How often a leader makes sure its session (and so the lock) is still there.
constexpr auto kLeadCheckEvery = std::chrono::seconds(1);

void SleepUnless(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  const auto until = Clock::now() + total;
  while (!stop.load() && Clock::now() < until) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(100), until - Clock::now()));
  }
}

bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

}  // namespace

MonitorWorker::MonitorWorker(MonitorLeader& leader, ConsumerFactory consumers,
                             DetectionFactory detection, alerts::AlertManager& manager,
                             store::PgPool& reads, ingest::EntityKeys& keys,
                             obs::MetricsRegistry& metrics, MonitorWorkerOptions options)
    : leader_(leader),
      make_consumer_(std::move(consumers)),
      make_detection_(std::move(detection)),
      manager_(manager),
      reads_(reads),
      keys_(keys),
      options_(options),
      reports_total_(metrics.AddCounter("metrify_monitor_reports_total",
                                        "Alert reports taken off metrify.alerts", {"outcome"})),
      sweeps_total_(metrics.AddCounter("metrify_monitor_sweeps_total",
                                       "Looks for silent sources in latest_samples")),
      lag_(metrics.AddGauge("metrify_kafka_consumer_lag",
                            "Messages not yet consumed, per owned partition",
                            {"topic", "partition"})) {
  metrics.AddGauge("metrify_monitor_leader", "1 while this replica leads, 0 as a standby")
      .SetCallback([this] { return stats().leader ? 1.0 : 0.0; });
}

MonitorWorker::~MonitorWorker() = default;

void MonitorWorker::SetStat(const std::function<void(MonitorWorkerStats&)>& change) {
  std::lock_guard lock(mu_);
  change(stats_);
}

MonitorWorkerStats MonitorWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status MonitorWorker::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (!leader_.leads()) {
      Result<bool> lead = leader_.TryLead();
      SetStat([&](MonitorWorkerStats& s) { s.database_down = !lead.has_value(); });
      if (lead.has_value() && *lead) {
        TakeLead();
      } else {
        SleepUnless(stop, options_.standby_retry);
      }
      continue;
    }
    if (Status round = Round(stop); !round.ok()) {
      StepDown();
      return round;
    }
  }
  if (leader_.leads()) StepDown();
  return Status::Ok();
}

void MonitorWorker::TakeLead() {
  obs::LogInfo("monitor leads", {});
  // Another leader's changes since this replica last looked.
  if (Status synced = manager_.Resync(); !synced.ok()) {
    obs::LogWarn("open alerts not listed; reports wait for them", {{"error", synced.message()}});
  }
  Result<std::unique_ptr<queue::KafkaConsumer>> consumer = make_consumer_();
  if (!consumer) {
    obs::LogError("monitor cannot consume; giving up the lead",
                  {{"error", consumer.status().message()}});
    leader_.Resign();
    return;
  }
  consumer_ = std::move(consumer).value();
  detection_ = make_detection_();
  fed_.clear();
  const auto now = Clock::now();
  next_sweep_ = now;  // the silent sources of the previous leader's watch are found at once
  next_resync_ = now + options_.resync_every;
  next_check_ = now + kLeadCheckEvery;
  SetStat([](MonitorWorkerStats& s) { s.leader = true; });
}

void MonitorWorker::StepDown() {
  if (consumer_) {
    if (Status closed = consumer_->Close(); !closed.ok()) {
      obs::LogWarn("leaving the consumer group failed", {{"error", closed.message()}});
    }
  }
  consumer_.reset();
  detection_.reset();
  leader_.Resign();
  for (const auto& labels : lag_labels_) lag_.Set({labels.first, labels.second}, 0);
  SetStat([](MonitorWorkerStats& s) {
    s.leader = false;
    s.assignment.clear();
  });
  obs::LogInfo("monitor stepped down", {});
}

Status MonitorWorker::Round(const std::atomic<bool>& stop) {
  if (Clock::now() >= next_check_) {
    next_check_ = Clock::now() + kLeadCheckEvery;
    if (!leader_.StillLeads()) {
      obs::LogWarn("monitor lost its database session, and the lead with it", {});
      StepDown();
      return Status::Ok();
    }
  }
  METRIFY_ASSIGN_OR_RETURN(std::vector<queue::ConsumedMessage> batch,
                           consumer_->PollBatch(options_.max_batch, options_.poll_timeout));
  UpdateLag();
  if (!batch.empty()) {
    if (Status applied = Apply(batch, stop); !applied.ok()) {
      // Stopped, or the lead lost, with the database down: nothing is
      // committed, the next leader gets the batch again.
      if (!leader_.StillLeads()) StepDown();
      return Status::Ok();
    }
    if (Status committed = consumer_->Commit(batch); !committed.ok()) {
      // Redelivered to whoever owns the partition next: a finding then
      // counts twice on its alert, nothing is lost.
      obs::LogWarn("alert reports applied but not committed", {{"error", committed.message()}});
    }
  }
  const auto now = Clock::now();
  if (now >= next_resync_) {
    next_resync_ = now + options_.resync_every;
    if (Status synced = manager_.Resync(); !synced.ok()) {
      obs::LogWarn("open alerts not resynced", {{"error", synced.message()}});
    }
  }
  if (now >= next_sweep_) {
    next_sweep_ = now + options_.sweep_every;
    const Status swept = Sweep();
    SetStat([&](MonitorWorkerStats& s) { s.database_down = !swept.ok(); });
    if (!swept.ok()) obs::LogWarn("silence sweep failed", {{"error", swept.message()}});
  }
  return Status::Ok();
}

Status MonitorWorker::Apply(const std::vector<queue::ConsumedMessage>& batch,
                            const std::atomic<bool>& stop) {
  std::vector<alerts::Finding> findings;
  std::vector<alerts::Clear> clears;
  uint64_t reports = 0, invalid = 0;
  for (const queue::ConsumedMessage& m : batch) {
    Result<queue::Envelope> envelope = queue::DecodeEnvelope(m.value);
    Result<queue::AlertReport> report =
        Status::InvalidArgument("envelope type is not alert_report");
    if (!envelope) {
      report = envelope.status();
    } else if (envelope->type == queue::kAlertReportType) {
      report = queue::DecodeAlertReport(envelope->payload_json);
    }
    if (!report) {
      // Nothing a retry could mend; the message stays on the topic.
      ++invalid;
      obs::LogWarn("not an alert report; skipped", {{"partition", int64_t{m.partition}},
                                                    {"offset", m.offset},
                                                    {"error", report.status().message()}});
      continue;
    }
    ++reports;
    std::move(report->findings.begin(), report->findings.end(), std::back_inserter(findings));
    std::move(report->clears.begin(), report->clears.end(), std::back_inserter(clears));
  }
  // One transaction for the batch, as embedded detection reports a turn.
  auto backoff = std::chrono::milliseconds(100);
  while (!findings.empty() || !clears.empty()) {
    Result<std::vector<size_t>> reported = manager_.Report(findings, clears);
    if (reported) break;
    if (!Retryable(reported.status())) {
      obs::LogError("alert reports refused; skipped", {{"reports", static_cast<int64_t>(reports)},
                                                       {"error", reported.status().message()}});
      invalid += reports;
      reports = 0;
      break;
    }
    SetStat([](MonitorWorkerStats& s) { s.database_down = true; });
    if (stop.load() || !leader_.StillLeads()) return reported.status();
    SleepUnless(stop, backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  reports_total_.Inc({"applied"}, static_cast<double>(reports));
  if (invalid > 0) reports_total_.Inc({"invalid"}, static_cast<double>(invalid));
  SetStat([&](MonitorWorkerStats& s) {
    s.database_down = false;
    s.reports += reports;
    s.invalid += invalid;
  });
  return Status::Ok();
}

Status MonitorWorker::Sweep() {
  std::vector<engine::wal::WalSample> newest[3];
  {
    METRIFY_ASSIGN_OR_RETURN(store::PgLease db, reads_.Acquire());
    // kind: model::SeriesKind (1 reading, 2 grid status, 3 observation).
    METRIFY_ASSIGN_OR_RETURN(
        store::PgRows rows,
        db->Query("SELECT kind, entity_key, ts FROM latest_samples WHERE kind BETWEEN 1 AND 3"));
    bool reloaded = false;
    for (int r = 0; r < rows.size(); ++r) {
      const int kind = static_cast<int>(rows.Int(r, 0));
      const auto key = static_cast<uint32_t>(rows.Int(r, 1));
      const int64_t ts = rows.Int(r, 2);
      auto [fed, added] = fed_.try_emplace(uint64_t{static_cast<uint32_t>(kind)} << 32 | key, ts);
      if (!added && fed->second >= ts) continue;
      fed->second = ts;
      const auto series = static_cast<model::SeriesKind>(kind);
      // An entity registered through another process since keys were loaded.
      if (keys_.IdOf(series, key).empty() && !reloaded) {
        reloaded = true;
        METRIFY_RETURN_IF_ERROR(keys_.Load());
      }
      if (keys_.IdOf(series, key).empty()) continue;  // deleted
      engine::wal::WalSample sample;
      sample.entity_key = key;
      sample.timestamp_ms = ts;
      newest[kind - 1].push_back(sample);
    }
  }
  for (int k = 0; k < 3; ++k) {
    detection_->ObserveNewest(static_cast<model::SeriesKind>(k + 1), newest[k]);
  }
  detection_->Drain();  // judges what was fed and sweeps once
  sweeps_total_.Inc({});
  SetStat([](MonitorWorkerStats& s) {
    ++s.sweeps;
    s.last_sweep_ms = NowMillis();
  });
  return Status::Ok();
}

void MonitorWorker::UpdateLag() {
  std::set<std::pair<std::string, std::string>> now;
  std::vector<std::string> assignment;
  for (const queue::PartitionLag& p : consumer_->Lag()) {
    std::pair<std::string, std::string> labels{p.tp.topic, std::to_string(p.tp.partition)};
    if (p.lag >= 0) lag_.Set({labels.first, labels.second}, static_cast<double>(p.lag));
    assignment.push_back(labels.first + "/" + labels.second);
    now.insert(std::move(labels));
  }
  for (const auto& labels : lag_labels_) {
    if (!now.contains(labels)) lag_.Set({labels.first, labels.second}, 0);
  }
  lag_labels_.insert(now.begin(), now.end());
  SetStat([&](MonitorWorkerStats& s) { s.assignment = std::move(assignment); });
}

}  // namespace metrify::worker
