#include "vee/meter_directory.h"

#include "model/enums.h"

namespace metrify::vee {

MeterInfo MeterInfoOf(const model::Meter& meter) {
  MeterInfo info;
  info.id = meter.id;
  info.type = std::string(model::EnumName(meter.type));
  info.timezone = meter.timezone;
  info.load_profile = meter.load_profile;
  if (info.load_profile.empty()) {
    switch (meter.segment) {
      case model::CustomerSegment::kCommercial:
        info.load_profile = "G0";
        break;
      case model::CustomerSegment::kIndustrial:
        info.load_profile = "L0";
        break;
      default:
        info.load_profile = "H0";
    }
  }
  info.register_multiplier = meter.register_multiplier;
  info.register_digits = meter.register_digits;
  info.register_decimals = meter.register_decimals;
  info.rated_current_a = meter.rated_current_a;
  info.annual_kwh = meter.annual_consumption_kwh;
  return info;
}

MeterDirectory::MeterDirectory(registry::Registry& registry, ingest::EntityKeys& keys)
    : registry_(registry), keys_(keys) {
  registry.add_listener(
      [this](std::string_view noun, std::string_view id, registry::Registry::Change change) {
        if (noun != model::EntityTraits<model::Meter>::kNoun ||
            change == registry::Registry::Change::kCreated) {
          return;
        }
        std::lock_guard lock(mu_);
        auto it = keys_of_.find(std::string(id));
        if (it == keys_of_.end()) return;
        cache_.erase(it->second);
        keys_of_.erase(it);
      });
}

std::optional<MeterInfo> MeterDirectory::Lookup(uint32_t key) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  const std::string id = keys_.IdOf(model::SeriesKind::kReading, key);
  if (id.empty()) return std::nullopt;
  Result<model::Meter> meter = registry_.Get<model::Meter>(id);
  if (!meter) return std::nullopt;
  MeterInfo info = MeterInfoOf(*meter);
  std::lock_guard lock(mu_);
  cache_[key] = info;
  keys_of_[id] = key;
  return info;
}

}  // namespace metrify::vee
