#include "cli/validation_setup.h"

#include <iterator>
#include <utility>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace metrify::cli {

vee::RulesConfig LoadRulesOrFail(const std::string& path) {
  if (path.empty()) return vee::RulesConfig::Defaults();
  Result<vee::RulesConfig> rules = vee::RulesConfig::Load(path);
  if (!rules) Fail(kExitUsage, rules.status().message());
  return std::move(rules).value();
}

void RegisterValidationMetrics(obs::MetricsRegistry& metrics, const vee::VeeService& vee) {
  metrics
      .AddGauge("metrify_vee_pending_meters",
                "Meters with readings stored but not yet validated (VEE's backlog, including gaps "
                "waiting for vee.settle_ms)")
      .SetCallback([&vee] { return static_cast<double>(vee.stats().dirty_meters); });
  const std::pair<const char*, const char*> counters[] = {
      {"metrify_vee_windows_total", "Meter windows validated"},
      {"metrify_vee_intervals_total", "Intervals validated (an interval may be validated again)"},
      {"metrify_vee_overlay_rows_total", "Validated intervals stored because they differ from raw"},
      {"metrify_vee_rewinds_total", "Windows validated again from a local day start for late data"},
      {"metrify_vee_errors_total", "Windows that failed (retried with the meter's next data)"},
  };
  for (size_t i = 0; i < std::size(counters); ++i) {
    metrics.AddCounter(counters[i].first, counters[i].second).SetCallback([&vee, i] {
      const vee::VeeStats s = vee.stats();
      const uint64_t values[] = {s.windows, s.readings, s.overlay_rows, s.rewinds, s.errors};
      return static_cast<double>(values[i]);
    });
  }
}

}  // namespace metrify::cli
