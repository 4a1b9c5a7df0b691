// Detection's cost per sample (docs/benchmarks.md "Detection: cost"): the
// benchmarks' realistic readings (energy, voltage, frequency, power factor;
// src/bench/realistic_readings.h) of N meters over D days, fed in time
// order, in batches of one quarter hour of the fleet, to a DetectionService
// with the shipped rules in front of a real alert store, on one thread.
// Reports samples/s and ns per sample, the findings and alerts.
//
//   detect_cost_bench [--meters 10000] [--days 7] [--dir /dev/shm]
//                     [--without consumption|thresholds]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "alerts/alert_manager.h"
#include "alerts/alert_store.h"
#include "bench/realistic_readings.h"
#include "detect/detection_service.h"
#include "ingest/entity_keys.h"
#include "registry/registry.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify {
namespace {

struct Options {
  int meters = 10000;
  int days = 7;
  std::string dir = "/dev/shm";
  std::string without;  // "consumption" or "thresholds": that part off, to see its share
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--meters") {
      o.meters = std::atoi(argv[i + 1]);
    } else if (flag == "--days") {
      o.days = std::atoi(argv[i + 1]);
    } else if (flag == "--without") {
      o.without = argv[i + 1];
    } else if (flag == "--dir") {
      o.dir = argv[i + 1];
    } else {
      fmt::print(stderr,
                 "unknown flag {}\nusage: detect_cost_bench [--meters N] [--days D] "
                 "[--dir DIR]\n",
                 flag);
      std::exit(2);
    }
  }
  return o;
}

int Run(const Options& o) {
  const std::string dir = o.dir + "/detect-cost-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto registry_store = std::move(store::SqliteRegistry::Open(dir)).value();
  registry::Registry registry(*registry_store);
  for (int m = 0; m < o.meters; ++m) {
    auto created = registry.Create<model::Meter>(
        {{"id", fmt::format("SM{:06d}", m)}, {"timezone", std::string("Europe/Berlin")}});
    if (!created) {
      fmt::print(stderr, "{}\n", created.error().ToString());
      return 1;
    }
  }
  ingest::EntityKeys keys(*registry_store);
  if (!keys.Load().ok()) return 1;
  auto store = std::move(alerts::AlertStore::Open(registry_store->path())).value();
  detect::DetectRules rules = std::move(detect::LoadDetectRules()).value();
  if (o.without == "consumption") rules.consumption.enabled = false;
  if (o.without == "thresholds") {
    for (detect::ThresholdRule* r :
         {&rules.meter.voltage_high, &rules.meter.voltage_low, &rules.meter.current_high,
          &rules.meter.power_factor_low, &rules.meter.frequency_out,
          &rules.meter.power_factor_inconsistent}) {
      r->enabled = false;
    }
  }
  alerts::AlertManagerOptions manager_options;
  manager_options.clear_for_ms = [auto_resolve = rules.auto_resolve](std::string_view type) {
    return auto_resolve.ForType(type);
  };
  alerts::AlertManager manager(*store, &registry, nullptr, manager_options);
  detect::DetectionService::Options options;
  options.rules = rules;
  options.sweep_every = std::chrono::hours(24);
  options.meter_info = [](uint32_t) {
    vee::MeterInfo info;
    info.timezone = "Europe/Berlin";
    return std::optional<vee::MeterInfo>(info);
  };
  detect::DetectionService detection(keys, registry, manager, options);

  // The readings, slot by slot as a live fleet sends them.
  const std::vector<bench::Series> fleet = bench::Generate(o.meters, o.days, 7);
  std::vector<uint32_t> key_of(o.meters);
  for (int m = 0; m < o.meters; ++m) {
    key_of[m] = **keys.Find(model::SeriesKind::kReading, fmt::format("SM{:06d}", m));
  }
  const int slots = o.days * bench::kSlotsPerDay;
  std::vector<std::vector<engine::wal::WalSample>> batches(slots);
  size_t samples = 0;
  for (int m = 0; m < o.meters; ++m) {
    const bench::Series& s = fleet[m];
    for (size_t i = 0; i < s.timestamps.size(); ++i) {
      const int slot =
          static_cast<int>((s.timestamps[i] - bench::kStartMs) / bench::kQuarterHourMs);
      if (slot < 0 || slot >= slots || std::isnan(s.energy[i])) continue;
      engine::wal::WalSample w;
      w.entity_key = key_of[m];
      w.timestamp_ms = s.timestamps[i];
      w.interval_s = 900;
      w.present = (1u << 0) | (1u << 3) | (1u << 5) | (1u << 6);
      w.values[0] = s.energy[i];
      w.values[3] = s.voltage[i];
      w.values[5] = s.power_factor[i];
      w.values[6] = s.frequency[i];
      batches[slot].push_back(w);
      ++samples;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    // Ingest hands detection batches of up to 1,000 readings.
    for (size_t from = 0; from < batch.size(); from += 1000) {
      const size_t n = std::min<size_t>(1000, batch.size() - from);
      detection.Observe(model::SeriesKind::kReading, std::span(batch).subspan(from, n));
    }
  }
  detection.Drain();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const detect::DetectionStats stats = detection.stats();
  const alerts::AlertManagerStats alerts = manager.stats();
  fmt::print(
      "{} meters x {} days: {} samples judged in {:.2f} s = {:.0f} samples/s, {:.0f} ns per "
      "sample (one thread)\nfindings {}, clears sent {}, alerts opened {}, auto-resolved {}\n",
      o.meters, o.days, samples, seconds, samples / seconds, seconds * 1e9 / samples,
      stats.findings, stats.clears, alerts.opened, alerts.auto_resolved);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace metrify

int main(int argc, char** argv) { return metrify::Run(metrify::Parse(argc, argv)); }
