#include "detect/silence_tracker.h"

#include <fmt/format.h>

#include "common/time.h"

namespace metrify::detect {

void SilenceTracker::Seen(alerts::SourceKind kind, uint32_t key, int64_t t_ms) {
  std::vector<Source>& sources = sources_[static_cast<int>(kind)];
  if (key >= sources.size()) sources.resize(size_t{key} + 1);
  Source& s = sources[key];
  if (s.last_ms != kNever && t_ms <= s.last_ms) return;
  s.last_ms = t_ms;
  if (s.flags & kReported) s.flags |= kRecovered;
}

void SilenceTracker::Forget(alerts::SourceKind kind, uint32_t key) {
  std::vector<Source>& sources = sources_[static_cast<int>(kind)];
  if (key < sources.size()) sources[key] = Source{};
}

std::optional<int64_t> SilenceTracker::LastSeen(alerts::SourceKind kind, uint32_t key) const {
  const std::vector<Source>& sources = sources_[static_cast<int>(kind)];
  if (key >= sources.size() || sources[key].last_ms == kNever) return std::nullopt;
  return sources[key].last_ms;
}

void SilenceTracker::Sweep(int64_t now_ms, const NoDataRules& rules, const SourceIdFn& id_of,
                           std::vector<SilenceVerdict>* out) {
  for (int k = 0; k < 3; ++k) {
    const auto kind = static_cast<alerts::SourceKind>(k);
    const int64_t limit = rules.LimitMs(kind);
    std::vector<Source>& sources = sources_[k];
    for (uint32_t key = 0; key < sources.size(); ++key) {
      Source& s = sources[key];
      if (s.last_ms == kNever) continue;
      if (s.flags & kReported) {
        // Sent again, or the rule was switched off: the silence is over.
        if ((s.flags & kRecovered) || !rules.enabled) {
          out->push_back({kind, key, std::nullopt});
          s.flags = 0;
        }
        continue;
      }
      const int64_t silent_ms = now_ms - s.last_ms;
      if (!rules.enabled || silent_ms <= limit) continue;
      alerts::Finding f;
      f.type = "no_data";
      f.rule = "no_data";
      f.severity = rules.severity;
      f.source_kind = kind;
      f.source_id = id_of ? id_of(kind, key) : std::string();
      f.message = fmt::format("no data for {:.3g} h (limit {:.3g} h); the last at {}",
                              silent_ms / 3.6e6, limit / 3.6e6, FormatRfc3339(s.last_ms));
      f.at_ms = now_ms;
      f.value = silent_ms / 3.6e6;
      out->push_back({kind, key, std::move(f)});
      s.flags = kReported;
    }
  }
}

}  // namespace metrify::detect
