#include "vee/replay.h"

#include <vector>

namespace metrify::vee {

size_t ObserveReplayed(VeeService& validation, const engine::OpenReport& report) {
  std::vector<engine::wal::WalSample> spans;
  spans.reserve(2 * report.replayed_readings.size());
  for (const auto& [key, span] : report.replayed_readings) {
    // The first and the last: the meter's window reaches from the local day
    // of the first to its newest reading.
    for (int64_t t : {span.first, span.second}) {
      engine::wal::WalSample s;
      s.entity_key = key;
      s.timestamp_ms = t;
      spans.push_back(s);
    }
  }
  if (!spans.empty()) validation.Observe(spans);
  return report.replayed_readings.size();
}

}  // namespace metrify::vee
