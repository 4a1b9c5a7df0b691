#include "alerts/alert_publisher.h"

#include <algorithm>

#include "common/time.h"
#include "obs/log.h"
#include "queue/alert_report.h"
#include "queue/envelope.h"
#include "queue/trace_context.h"

namespace metrify::alerts {

AlertPublisher::AlertPublisher(queue::KafkaProducer& producer, const AlertStore& store,
                               AlertPublisherOptions options)
    : producer_(producer), store_(store), options_(std::move(options)) {}

std::string AlertPublisher::KeyOf(SourceKind kind, std::string_view source_id,
                                  std::string_view rule) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
  key += '\x1f';
  key += source_id;
  key += '\x1f';
  key += rule;
  return key;
}

Result<std::vector<size_t>> AlertPublisher::Report(std::span<const Finding> findings,
                                                   std::span<const Clear> clears) {
  std::vector<queue::KafkaMessage> messages;
  for (const queue::AlertReport& report : queue::GroupBySource(findings, clears)) {
    queue::Envelope envelope;
    envelope.type = std::string(queue::kAlertReportType);
    envelope.produced_at_ms = NowMillis();
    envelope.producer = options_.producer;
    envelope.traceparent = queue::NewTraceparent();
    envelope.payload_json = queue::EncodeAlertReport(report);
    messages.push_back({.topic = std::string(queue::kAlertsTopic),
                        .key = report.source_id,
                        .value = queue::EncodeEnvelope(envelope),
                        .headers = {{"traceparent", envelope.traceparent}}});
  }
  const Status produced = producer_.ProduceAll(messages);
  std::lock_guard lock(mu_);
  if (!produced.ok()) {
    ++stats_.failed;
    return produced;
  }
  stats_.messages += messages.size();
  const SteadyTime now = std::chrono::steady_clock::now();
  for (const Finding& f : findings) {
    Sent& sent = sent_[KeyOf(f.source_kind, f.source_id, f.rule)];
    sent.type = f.type;
    sent.last_finding_ms = std::max(sent.last_finding_ms, f.at_ms);
    if (sent.clear_since_ms <= sent.last_finding_ms) sent.clear_since_ms = INT64_MIN;
    sent.published = now;
  }
  if (!clears.empty()) RefreshOpen();
  std::vector<size_t> released;
  for (size_t i = 0; i < clears.size(); ++i) {
    if (Released(clears[i])) released.push_back(i);
  }
  return released;
}

bool AlertPublisher::Released(const Clear& clear) {
  const std::string key = KeyOf(clear.source_kind, clear.source_id, clear.rule);
  auto listed = listed_.find(key);
  auto it = sent_.find(key);
  if (it == sent_.end()) {
    // Not sent by this process: open since before it started, or never.
    if (listed == listed_.end()) return true;
    it = sent_.emplace(key, Sent{listed->second.type, listed->second.last_seen_ms, INT64_MIN, {}})
             .first;
  }
  Sent& sent = it->second;
  // The monitor's AlertManager decides the same way (alert_manager.h).
  if (clear.at_ms > sent.last_finding_ms) {
    if (sent.clear_since_ms == INT64_MIN) sent.clear_since_ms = clear.at_ms;
    const std::optional<int64_t> clear_for =
        options_.clear_for_ms ? options_.clear_for_ms(sent.type) : std::nullopt;
    if (clear_for && clear.at_ms - sent.clear_since_ms >= *clear_for) {
      sent_.erase(it);
      return true;
    }
  }
  // Resolved elsewhere, if the list is recent enough to show the monitor
  // applied what was sent.
  if (listed == listed_.end() && ever_listed_ && listed_at_ >= sent.published + options_.settle) {
    sent_.erase(it);
    return true;
  }
  return false;
}

void AlertPublisher::RefreshOpen() const {
  const SteadyTime now = std::chrono::steady_clock::now();
  if (tried_ && now - tried_at_ < options_.open_ttl) return;
  tried_ = true;
  tried_at_ = now;  // a store that is down is asked again after open_ttl, not on every call
  Result<std::vector<Alert>> open = store_.OpenAlerts();
  if (!open) {
    obs::LogWarn("open alerts not listed; the last list stays",
                 {{"error", open.status().message()}});
    return;
  }
  listed_.clear();
  for (const Alert& a : *open) {
    listed_[KeyOf(a.source_kind, a.source_id, a.rule)] = Listed{a.type, a.last_seen_ms};
  }
  listed_at_ = now;
  ever_listed_ = true;
}

bool AlertPublisher::IsOpen(SourceKind kind, std::string_view source_id,
                            std::string_view rule) const {
  std::lock_guard lock(mu_);
  RefreshOpen();
  return listed_.contains(KeyOf(kind, source_id, rule));
}

AlertPublisherStats AlertPublisher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace metrify::alerts
