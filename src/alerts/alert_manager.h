// AlertManager: where findings become alerts (docs/alerts.md "Lifecycle").
// It folds the detectors' findings into the store (one open alert per source
// and rule), tells the webhooks when an alert opens, escalates, is
// acknowledged or resolved, resolves an alert by itself once its condition
// has stayed clear for the configured time, and keeps a meter's status in
// step: a critical meter fault puts it to FAULTY; resolving the last one
// puts it back to ACTIVE.
//
// "Clear for" is measured in data time (the samples' timestamps), like the
// findings, so a backfill resolves what it shows resolved.
//
// Several processes may share one store (scaled mode: API replicas resolve,
// the monitor applies findings): Resync follows what the others changed.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_store.h"
#include "alerts/finding_sink.h"
#include "alerts/webhook.h"
#include "common/result.h"
#include "registry/registry.h"

namespace metrify::alerts {

struct AlertManagerOptions {
  // How long (ms of data time) the condition behind an alert of `type`
  // must stay clear before the alert resolves itself; nullopt: never.
  std::function<std::optional<int64_t>(std::string_view type)> clear_for_ms;
  // Wall clock, epoch ms (NowMillis when empty).
  std::function<int64_t()> now;
};

struct AlertManagerStats {
  uint64_t findings = 0;       // reported
  uint64_t opened = 0;         // alerts created
  uint64_t escalated = 0;      // alerts whose severity rose
  uint64_t auto_resolved = 0;  // resolved because the condition stayed clear
  uint64_t errors = 0;         // Report calls the store refused
};

class AlertManager final : public FindingSink {
 public:
  // `store` must outlive the manager; `registry` (meter status) and
  // `notifier` (webhooks) may be null. Follows the store's open alerts from
  // here on; when the store cannot list them now (its database is down),
  // the next Report asks again.
  AlertManager(AlertStore& store, registry::Registry* registry, WebhookNotifier* notifier,
               AlertManagerOptions options);

  // One batch of detector output: the findings are folded into alerts in
  // one transaction; a clear starts (or continues) the clear period of the
  // open alert of its source and rule, and resolves it once the period has
  // passed. A finding newer than a clear ends the clear period. Returns the
  // indices of `clears` whose source and rule have no open alert (any
  // more): the caller need not send those again until a new finding.
  // Errors: the store's (the batch is then not applied; the caller may
  // retry it), also when the open alerts could not be listed yet.
  // A clear of an alert resolved meanwhile by another process (a person,
  // through an API replica) resolves nothing: the store skips it.
  Result<std::vector<size_t>> Report(std::span<const Finding> findings,
                                     std::span<const Clear> clears) override;

  // A person's steps (the API's). Errors as AlertStore's.
  Result<Alert> Acknowledge(int64_t id, std::string_view who, std::string_view note);
  Result<Alert> Resolve(int64_t id, std::string_view who, std::string_view note);

  // Whether `source_id` of `kind` has an open alert of any rule.
  bool AnyOpen(SourceKind kind, std::string_view source_id) const;
  // Whether (kind, source_id, rule) has an open alert.
  bool IsOpen(SourceKind kind, std::string_view source_id, std::string_view rule) const override;

  // Follows the store's open alerts again: alerts resolved elsewhere are
  // dropped (their clears are then released), alerts opened elsewhere are
  // tracked; an alert still open keeps its clear period. Alerts this
  // manager tracked while the list was read are kept. Errors: the store's
  // (nothing changes).
  Status Resync();

  AlertManagerStats stats() const;

 private:
  // What the manager keeps of each open alert, by OpenKey.
  struct Open {
    int64_t id = 0;
    std::string type;
    Severity severity = Severity::kInfo;
    int64_t last_finding_ms = INT64_MIN;  // data time of the newest finding
    int64_t clear_since_ms = INT64_MIN;   // INT64_MIN: not clear
    uint64_t epoch = 0;                   // resync_epoch_ when last tracked
  };
  static std::string OpenKey(SourceKind kind, std::string_view source_id, std::string_view rule);

  void Track(const Alert& alert);  // REQUIRES: mu_ held
  // Tracks the store's open alerts once; its error until they could be
  // listed. REQUIRES: mu_ held.
  Status FollowOpen();
  void Notify(const Alert& alert, std::string_view event);
  // A meter's status follows its open critical meter faults.
  void FollowMeterStatus(const Alert& alert);
  bool HasOpenCriticalFault(const std::string& meter_id) const;  // REQUIRES: mu_ held
  // The clear's alert if its period has passed (no longer tracked; the
  // caller stores the resolution), with the period's start in *since_ms.
  // *open: whether the source and rule still have an open alert.
  // REQUIRES: mu_ held.
  std::optional<int64_t> ClearPassed(const Clear& clear, bool* open, int64_t* since_ms);
  Result<Alert> AfterResolve(Result<Alert> resolved);
  // What follows any resolution: webhooks, and the meter's status.
  void Resolved(const Alert& alert);
  // Resolves (alert id, clear since) pairs whose clear period passed.
  void AutoResolve(std::span<const std::pair<int64_t, int64_t>> due, int64_t now);

  AlertStore& store_;
  registry::Registry* registry_;
  WebhookNotifier* notifier_;
  AlertManagerOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Open> open_;  // guarded by mu_
  bool following_ = false;                      // open_ loaded; guarded by mu_
  AlertManagerStats stats_;                     // guarded by mu_
  uint64_t resync_epoch_ = 0;                   // guarded by mu_
};

}  // namespace metrify::alerts
