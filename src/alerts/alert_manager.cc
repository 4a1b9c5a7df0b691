#include "alerts/alert_manager.h"

#include <fmt/format.h>

#include <algorithm>

#include "alerts/alert_json.h"
#include "common/time.h"
#include "model/meter.h"
#include "obs/log.h"

namespace metrify::alerts {

namespace {

constexpr std::string_view kMeterFault = "meter_fault";
constexpr std::string_view kAutoResolver = "metrify";

bool IsCriticalFault(std::string_view type, Severity severity, SourceKind kind) {
  return type == kMeterFault && severity == Severity::kCritical && kind == SourceKind::kMeter;
}

}  // namespace

AlertManager::AlertManager(AlertStore& store, registry::Registry* registry,
                           WebhookNotifier* notifier, AlertManagerOptions options)
    : store_(store), registry_(registry), notifier_(notifier), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return NowMillis(); };
  std::lock_guard lock(mu_);
  if (Status followed = FollowOpen(); !followed.ok()) {
    obs::LogWarn("open alerts not listed; the next report asks again",
                 {{"error", followed.message()}});
  }
}

Status AlertManager::FollowOpen() {
  if (following_) return Status::Ok();
  METRIFY_ASSIGN_OR_RETURN(std::vector<Alert> open, store_.OpenAlerts());
  for (const Alert& alert : open) Track(alert);
  following_ = true;
  return Status::Ok();
}

std::string AlertManager::OpenKey(SourceKind kind, std::string_view source_id,
                                  std::string_view rule) {
  std::string key;
  key.reserve(source_id.size() + rule.size() + 3);
  key += static_cast<char>('0' + static_cast<int>(kind));
  key += '\x1f';
  key += source_id;
  key += '\x1f';
  key += rule;
  return key;
}

void AlertManager::Track(const Alert& alert) {
  Open& open = open_[OpenKey(alert.source_kind, alert.source_id, alert.rule)];
  open.id = alert.id;
  open.type = alert.type;
  open.severity = alert.severity;
  open.epoch = resync_epoch_;
  if (alert.last_seen_ms > open.last_finding_ms) open.last_finding_ms = alert.last_seen_ms;
  // The condition is back: a clear period starts again with the next clear.
  if (open.clear_since_ms <= open.last_finding_ms) open.clear_since_ms = INT64_MIN;
}

Result<std::vector<size_t>> AlertManager::Report(std::span<const Finding> findings,
                                                 std::span<const Clear> clears) {
  const int64_t now = options_.now();
  {
    std::lock_guard lock(mu_);
    if (Status followed = FollowOpen(); !followed.ok()) {
      ++stats_.errors;
      return followed;
    }
  }
  std::vector<RaiseOutcome> outcomes;
  if (!findings.empty()) {
    Result<std::vector<RaiseOutcome>> raised = store_.Raise(findings, now);
    if (!raised) {
      std::lock_guard lock(mu_);
      ++stats_.errors;
      return raised.status();
    }
    outcomes = std::move(raised).value();
  }
  std::vector<size_t> released;
  std::vector<std::pair<int64_t, int64_t>> due;  // alert id, clear since
  {
    std::lock_guard lock(mu_);
    stats_.findings += findings.size();
    for (const RaiseOutcome& o : outcomes) {
      Track(o.alert);
      stats_.opened += o.created;
      stats_.escalated += o.escalated;
    }
    for (size_t i = 0; i < clears.size(); ++i) {
      bool open = false;
      int64_t since = 0;
      if (std::optional<int64_t> id = ClearPassed(clears[i], &open, &since)) {
        due.emplace_back(*id, since);
      }
      if (!open) released.push_back(i);
    }
  }
  for (const RaiseOutcome& o : outcomes) {
    if (o.created) Notify(o.alert, "alert.opened");
    if (o.escalated) Notify(o.alert, "alert.escalated");
    if (o.created || o.escalated) FollowMeterStatus(o.alert);
  }
  if (!due.empty()) AutoResolve(due, now);
  return released;
}

void AlertManager::AutoResolve(std::span<const std::pair<int64_t, int64_t>> due, int64_t now) {
  std::vector<int64_t> ids;
  std::vector<std::string> notes;
  for (const auto& [id, since] : due) {
    ids.push_back(id);
    notes.push_back(fmt::format("condition clear since {}", FormatRfc3339(since)));
  }
  // One transaction for all: a resolve each would cost a disk sync each.
  Result<std::vector<Alert>> resolved = store_.ResolveMany(ids, kAutoResolver, notes, now);
  if (!resolved) {
    obs::LogWarn("auto-resolve failed", {{"alerts", static_cast<int64_t>(ids.size())},
                                         {"error", resolved.status().message()}});
    return;
  }
  {
    std::lock_guard lock(mu_);
    stats_.auto_resolved += resolved->size();
  }
  for (const Alert& alert : *resolved) Resolved(alert);
}

std::optional<int64_t> AlertManager::ClearPassed(const Clear& clear, bool* open,
                                                 int64_t* since_ms) {
  auto it = open_.find(OpenKey(clear.source_kind, clear.source_id, clear.rule));
  *open = it != open_.end();
  if (!*open) return std::nullopt;
  Open& alert = it->second;
  // A clear older than the newest finding says nothing about now.
  if (clear.at_ms <= alert.last_finding_ms) return std::nullopt;
  if (alert.clear_since_ms == INT64_MIN) alert.clear_since_ms = clear.at_ms;
  const std::optional<int64_t> clear_for =
      options_.clear_for_ms ? options_.clear_for_ms(alert.type) : std::nullopt;
  if (!clear_for || clear.at_ms - alert.clear_since_ms < *clear_for) return std::nullopt;
  const int64_t id = alert.id;
  *since_ms = alert.clear_since_ms;
  open_.erase(it);  // resolved next, outside the lock
  *open = false;
  return id;
}

Result<Alert> AlertManager::Acknowledge(int64_t id, std::string_view who, std::string_view note) {
  METRIFY_ASSIGN_OR_RETURN(Alert alert, store_.Acknowledge(id, who, note, options_.now()));
  Notify(alert, "alert.acknowledged");
  return alert;
}

Result<Alert> AlertManager::Resolve(int64_t id, std::string_view who, std::string_view note) {
  return AfterResolve(store_.Resolve(id, who, note, options_.now()));
}

Result<Alert> AlertManager::AfterResolve(Result<Alert> resolved) {
  if (!resolved) return resolved;
  const Alert& alert = *resolved;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(OpenKey(alert.source_kind, alert.source_id, alert.rule));
    if (it != open_.end() && it->second.id == alert.id) open_.erase(it);
  }
  Resolved(alert);
  return resolved;
}

void AlertManager::Resolved(const Alert& alert) {
  Notify(alert, "alert.resolved");
  FollowMeterStatus(alert);
}

void AlertManager::Notify(const Alert& alert, std::string_view event) {
  if (notifier_) notifier_->Notify(alert.id, std::string(event), AlertJson(alert));
}

bool AlertManager::HasOpenCriticalFault(const std::string& meter_id) const {
  const std::string prefix = OpenKey(SourceKind::kMeter, meter_id, "");
  for (const auto& [key, open] : open_) {
    if (key.compare(0, prefix.size(), prefix) == 0 &&
        IsCriticalFault(open.type, open.severity, SourceKind::kMeter)) {
      return true;
    }
  }
  return false;
}

void AlertManager::FollowMeterStatus(const Alert& alert) {
  if (!registry_ || alert.type != kMeterFault || alert.source_kind != SourceKind::kMeter) return;
  bool faulty = false;
  {
    std::lock_guard lock(mu_);
    faulty = HasOpenCriticalFault(alert.source_id);
  }
  Result<model::Meter> meter = registry_->Get<model::Meter>(alert.source_id);
  if (!meter) return;  // deleted since
  const model::MeterStatus status = meter->status;
  // Only a working meter becomes FAULTY, and only a FAULTY one is restored:
  // MAINTENANCE, INACTIVE and DECOMMISSIONED are people's decisions.
  std::optional<model::MeterStatus> next;
  if (faulty && (status == model::MeterStatus::kActive || status == model::MeterStatus::kPending)) {
    next = model::MeterStatus::kFaulty;
  }
  if (!faulty && status == model::MeterStatus::kFaulty) next = model::MeterStatus::kActive;
  if (!next) return;
  Result<model::Meter> patched = registry_->Patch<model::Meter>(
      alert.source_id, {{"status", std::string(model::EnumName(*next))}});
  if (!patched) {
    obs::LogWarn("meter status not changed",
                 {{"meter_id", alert.source_id}, {"error", patched.status().message()}});
  }
}

bool AlertManager::AnyOpen(SourceKind kind, std::string_view source_id) const {
  const std::string prefix = OpenKey(kind, source_id, "");
  std::lock_guard lock(mu_);
  for (const auto& [key, open] : open_) {
    if (key.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

bool AlertManager::IsOpen(SourceKind kind, std::string_view source_id,
                          std::string_view rule) const {
  const std::string key = OpenKey(kind, source_id, rule);
  std::lock_guard lock(mu_);
  return open_.contains(key);
}

Status AlertManager::Resync() {
  uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    epoch = ++resync_epoch_;
  }
  // Read without the lock: Report may track alerts meanwhile; those carry
  // the new epoch and are kept whatever the (older) list says.
  METRIFY_ASSIGN_OR_RETURN(std::vector<Alert> listed, store_.OpenAlerts());
  std::unordered_map<std::string, Open> next;
  std::lock_guard lock(mu_);
  for (auto& [key, open] : open_) {
    if (open.epoch >= epoch) next.emplace(key, open);
  }
  for (const Alert& alert : listed) {
    std::string key = OpenKey(alert.source_kind, alert.source_id, alert.rule);
    if (auto kept = next.find(key); kept != next.end() && kept->second.id != alert.id) continue;
    auto old = open_.find(key);
    Open& open = next[key];
    if (old != open_.end() && old->second.id == alert.id) open = old->second;  // its clear period
    open.id = alert.id;
    open.type = alert.type;
    open.severity = alert.severity;
    open.last_finding_ms = std::max(open.last_finding_ms, alert.last_seen_ms);
    if (open.clear_since_ms <= open.last_finding_ms) open.clear_since_ms = INT64_MIN;
  }
  open_ = std::move(next);
  following_ = true;
  return Status::Ok();
}

AlertManagerStats AlertManager::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace metrify::alerts
