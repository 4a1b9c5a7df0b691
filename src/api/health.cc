#include "api/health.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "obs/log.h"

namespace metrify::api {

std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kDegraded:
      return "degraded";
    case HealthState::kUnhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

HealthChecker::HealthChecker(store::RegistryStore& registry, std::string data_dir,
                             HealthLimits limits)
    : registry_(registry), data_dir_(std::move(data_dir)), limits_(limits) {}

HealthReport HealthChecker::Check() const {
  HealthReport report;
  report.components.push_back(CheckRegistry());
  // A scaled replica keeps nothing on disk (no data directory to check).
  if (!data_dir_.empty()) report.components.push_back(CheckDisk());
  for (const ComponentHealth& c : report.components) report.state = std::max(report.state, c.state);
  return report;
}

ComponentHealth HealthChecker::CheckRegistry() const {
  ComponentHealth c;
  c.name = "registry";
  auto start = std::chrono::steady_clock::now();
  Status status = registry_.Ping();
  c.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  c.figures.emplace_back("schema_version", registry_.SchemaVersion());
  if (!status.ok()) {
    c.state = HealthState::kUnhealthy;
    c.message = "registry query failed";  // the cause may name files: logged, not shown
    obs::LogError("health check: registry query failed", {{"error", status.ToString()}});
  } else if (c.latency_ms > limits_.registry_slow_ms) {
    c.state = HealthState::kDegraded;
    c.message = fmt::format("registry answered in {:.0f} ms (limit {:.0f} ms)", c.latency_ms,
                            limits_.registry_slow_ms);
  }
  return c;
}

ComponentHealth HealthChecker::CheckDisk() const {
  ComponentHealth c;
  c.name = "disk";
  auto start = std::chrono::steady_clock::now();
  struct statvfs fs {};
  bool stat_ok = statvfs(data_dir_.c_str(), &fs) == 0;
  bool writable = access(data_dir_.c_str(), W_OK) == 0;
  c.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!stat_ok || !writable) {
    c.state = HealthState::kUnhealthy;
    c.message = stat_ok ? "data directory is not writable" : "data directory is not accessible";
    return c;
  }
  uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  uint64_t total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  double fraction = total_bytes ? static_cast<double>(free_bytes) / total_bytes : 0;
  c.figures.emplace_back("free_bytes", static_cast<double>(free_bytes));
  c.figures.emplace_back("total_bytes", static_cast<double>(total_bytes));
  if (free_bytes < limits_.disk_unhealthy_bytes) {
    c.state = HealthState::kUnhealthy;
    c.message = fmt::format("only {} MiB free in the data directory", free_bytes >> 20);
  } else if (free_bytes < limits_.disk_degraded_bytes ||
             fraction < limits_.disk_degraded_fraction) {
    c.state = HealthState::kDegraded;
    c.message = fmt::format("{} MiB ({:.1f} %) free in the data directory", free_bytes >> 20,
                            fraction * 100);
  }
  return c;
}

}  // namespace metrify::api
