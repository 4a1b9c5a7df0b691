// Numbered NDJSON batches of meter readings for e2e tests whose writer
// threads ingest while something else happens (a SIGKILL, a backup): batch
// b of writer w covers slots_per_batch quarter hours of its meters, and
// every reading's value is derived from meter, batch and slot, so a test
// can tell exactly which acknowledged readings came back.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace metrify::test {

struct FleetBatches {
  std::string prefix;  // meter ids are "<prefix>-<writer>-<m>"
  int meters_per_writer = 10;
  int slots_per_batch = 50;
  int64_t start_ms = 1736899200000;  // 2025-01-15T00:00:00Z

  static constexpr int64_t kQuarterMs = 900'000;
  // Reads of a test cover [2025-01-15, 2030-01-01): writers stop before.
  static constexpr int64_t kReadEndMs = 1893456000000;  // 2030-01-01T00:00:00Z

  std::string MeterId(int writer, int m) const {
    return fmt::format("{}-{}-{}", prefix, writer, m);
  }

  int64_t SlotTime(int batch, int slot) const {
    return start_ms + (int64_t{batch} * slots_per_batch + slot + 1) * kQuarterMs;
  }

  // Distinct per meter and slot, exact in binary.
  double Value(int m, int batch, int slot) const {
    return m + (batch * slots_per_batch + slot) / 1024.0;
  }

  std::string Batch(int writer, int batch) const {
    std::string body;
    for (int slot = 0; slot < slots_per_batch; ++slot) {
      for (int m = 0; m < meters_per_writer; ++m) {
        body += fmt::format(R"({{"meter_id":"{}","timestamp":{},"energy_kwh":{}}})",
                            MeterId(writer, m), SlotTime(batch, slot), Value(m, batch, slot));
        body += '\n';
      }
    }
    return body;
  }

  // Batches a writer may send so every reading lies before kReadEndMs,
  // however fast the machine is.
  int MaxBatches() const {
    return static_cast<int>((kReadEndMs - start_ms) / kQuarterMs / slots_per_batch) - 1;
  }

  // The CSV that registers every writer's meters.
  std::string RegistrationCsv(int writers) const {
    std::string csv = "id\n";
    for (int w = 0; w < writers; ++w) {
      for (int m = 0; m < meters_per_writer; ++m) csv += MeterId(w, m) + "\n";
    }
    return csv;
  }
};

}  // namespace metrify::test
