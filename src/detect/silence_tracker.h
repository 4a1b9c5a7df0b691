// SilenceTracker: sources that stopped sending (rule "no_data"). Remembers
// the newest data time of every (source kind, key) it was shown and, on each
// sweep, reports those silent longer than their kind's limit, once per
// silence, and a clear for each reported source that has sent again.
//
// Keys are the registry's dense integer keys of each kind (the WAL's
// entity_key): state is a flat array per kind indexed by key, 16 bytes a
// source. A source never seen is not tracked (one that never sent is the
// registry's business, not a silence).
//
// Thread safety: none; one owner calls it. Times are data times (ms); the
// sweep's `now_ms` is the newest data time of the feed (or the wall clock
// for a live feed), the caller's choice.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "detect/detect_rules.h"

namespace metrify::detect {

struct SilenceVerdict {
  alerts::SourceKind kind;
  uint32_t key = 0;
  // Set: the source went silent (type and rule "no_data", value = hours of
  // silence, at_ms = the sweep's now_ms). Unset: it sends again (clear).
  std::optional<alerts::Finding> finding;
};

// The source id for a key, for findings' source_id (may be empty).
using SourceIdFn = std::function<std::string(alerts::SourceKind, uint32_t key)>;

class SilenceTracker {
 public:
  // Notes data of (kind, key) at data time `t_ms`; older data than seen
  // before changes nothing. Grows the kind's array to `key` if needed.
  void Seen(alerts::SourceKind kind, uint32_t key, int64_t t_ms);

  // Stops tracking (kind, key), e.g. a deleted or decommissioned source.
  void Forget(alerts::SourceKind kind, uint32_t key);

  // Appends to *out: a finding for each source silent for longer than
  // rules.LimitMs(kind) at `now_ms` and not yet reported; a clear for each
  // reported source that has sent since. Nothing when rules are disabled
  // (reported sources are then cleared, so no alert stays open).
  void Sweep(int64_t now_ms, const NoDataRules& rules, const SourceIdFn& id_of,
             std::vector<SilenceVerdict>* out);

  // The newest data time of (kind, key), or nullopt if never seen.
  std::optional<int64_t> LastSeen(alerts::SourceKind kind, uint32_t key) const;

 private:
  static constexpr int64_t kNever = INT64_MIN;
  enum Flags : uint8_t { kReported = 1, kRecovered = 2 };
  struct Source {
    int64_t last_ms = kNever;
    uint8_t flags = 0;
  };
  std::vector<Source> sources_[3];  // by SourceKind
};

}  // namespace metrify::detect
