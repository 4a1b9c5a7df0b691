// HealthChecker: live checks behind GET /health. Each component is checked
// for real on every call: the registry answers a query (and how fast), the
// data directory is writable and has free space.
//
//   healthy   everything works within its limits
//   degraded  works, but needs attention (slow registry, disk filling up)
//   unhealthy cannot serve (registry down, data directory unwritable or full)
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/registry_store.h"

namespace metrify::api {

enum class HealthState { kHealthy = 0, kDegraded = 1, kUnhealthy = 2 };
std::string_view HealthStateName(HealthState state);

struct ComponentHealth {
  std::string name;  // "registry", "disk"
  HealthState state = HealthState::kHealthy;
  double latency_ms = 0;
  std::string message;  // why it is not healthy; "" when healthy
  // Numbers worth showing, e.g. {"free_bytes", 5.2e10}.
  std::vector<std::pair<std::string, double>> figures;
};

struct HealthReport {
  HealthState state = HealthState::kHealthy;  // the worst component
  std::vector<ComponentHealth> components;
};

struct HealthLimits {
  double registry_slow_ms = 250;                // slower than this: degraded
  uint64_t disk_degraded_bytes = 1ull << 30;    // less free than 1 GiB: degraded
  double disk_degraded_fraction = 0.05;         // or less than 5 % free
  uint64_t disk_unhealthy_bytes = 64ull << 20;  // less than 64 MiB: unhealthy
};

class HealthChecker {
 public:
  // `registry` must outlive the checker. An empty `data_dir` (scaled mode's
  // API replicas, which keep nothing on disk) leaves the disk unchecked.
  HealthChecker(store::RegistryStore& registry, std::string data_dir, HealthLimits limits = {});
  HealthReport Check() const;

 private:
  ComponentHealth CheckRegistry() const;
  ComponentHealth CheckDisk() const;

  store::RegistryStore& registry_;
  std::string data_dir_;
  HealthLimits limits_;
};

}  // namespace metrify::api
