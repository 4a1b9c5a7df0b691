// MeterDirectory: what VEE needs of each meter (MeterInfo), by registry key,
// read from the registry once and kept until the meter changes (it follows
// the registry's change notifications).
//
// Thread safety: Lookup may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ingest/entity_keys.h"
#include "model/meter.h"
#include "registry/registry.h"
#include "vee/validator.h"

namespace metrify::vee {

// The validation view of a registry meter: its standard load profile by
// segment when it names none (H0, G0, L0).
MeterInfo MeterInfoOf(const model::Meter& meter);

class MeterDirectory {
 public:
  // Both must outlive the directory; adds a listener to `registry`.
  MeterDirectory(registry::Registry& registry, ingest::EntityKeys& keys);

  // The meter with registry key `key`, or nullopt (unknown, deleted, or the
  // registry failed: VEE tries again with the meter's next data).
  std::optional<MeterInfo> Lookup(uint32_t key);

 private:
  registry::Registry& registry_;
  ingest::EntityKeys& keys_;
  std::mutex mu_;
  std::unordered_map<uint32_t, MeterInfo> cache_;      // guarded by mu_
  std::unordered_map<std::string, uint32_t> keys_of_;  // cached ids; guarded by mu_
};

}  // namespace metrify::vee
