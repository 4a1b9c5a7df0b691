// FindingSink: where detection (detect/detection_service.h) sends what it
// judged, and whom it asks whether an alert is open. Embedded mode's sink is
// the AlertManager itself (alert_manager.h: findings become alerts in the
// same process); scaled mode's ingest workers publish to metrify.alerts
// (alert_publisher.h) and the monitor's AlertManager applies them.
//
// Thread safety: implementations allow calls from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "common/result.h"

namespace metrify::alerts {

// A detector judged (source, rule) at data time `at_ms` and found it fine.
struct Clear {
  SourceKind source_kind = SourceKind::kMeter;
  std::string source_id;
  std::string rule;
  int64_t at_ms = 0;
};

class FindingSink {
 public:
  virtual ~FindingSink() = default;

  // One batch of detector output, in data order per source. Returns the
  // indices of `clears` whose source and rule have no open alert (any
  // more): the caller need not send those again until a new finding.
  // Errors: the batch was not taken (the store or the queue is down); the
  // findings come again with their condition.
  virtual Result<std::vector<size_t>> Report(std::span<const Finding> findings,
                                             std::span<const Clear> clears) = 0;

  // Whether `source_id` of `kind` has an open alert of `rule`, as far as
  // this process knows (grid-aware attribution asks it of other sources).
  virtual bool IsOpen(SourceKind kind, std::string_view source_id, std::string_view rule) const = 0;
};

}  // namespace metrify::alerts
