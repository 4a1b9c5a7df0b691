// The load `metrify bench` sends: realistic quarter-hour readings
// (realistic_readings.h) of a fleet of benchmark meters, cut into JSON
// batches in time order (every meter's reading for one quarter hour, then
// the next), the way a head-end system forwards a fleet's data. Bodies are
// built before any timing starts.
//
// Thread safety: plain data and pure functions; SendBatches is internally
// parallel and may be called from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace metrify::bench {

// "BM0000001": the id of benchmark meter `index`.
std::string BenchMeterId(int index);

// Registers meters [first, first + count) through the CSV import, in chunks.
Status RegisterMeters(const std::string& url, int first, int count);

struct LoadSpec {
  int first_meter = 0;
  int meters = 1000;
  int64_t start_ms = 0;  // timestamp of the first slot
  int slots = 96;        // quarter hours per meter
  int batch = 1000;      // readings per request
  uint64_t seed = 42;
};

// JSON array bodies of `spec`'s readings (4 fields each: energy_kwh,
// voltage_v, frequency_hz, power_factor), in time order.
std::vector<std::string> BuildBatches(const LoadSpec& spec, size_t* readings);

struct SendStats {
  double seconds = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t retries = 0;  // 503 back-pressure answers, each followed by a resend
};

// Posts every body to POST /api/v1/readings over `connections` keep-alive
// connections; a 503 is retried after a short pause. With `max_per_s` > 0
// the batches are paced to that many readings per second (for load beside
// queries). `stop`, when given, ends the send early. Errors: a connection
// fails or a batch is refused (4xx/5xx other than 503).
Result<SendStats> SendBatches(const std::string& url, const std::vector<std::string>& bodies,
                              int connections, size_t readings_per_batch, double max_per_s = 0,
                              const std::atomic<bool>* stop = nullptr);

}  // namespace metrify::bench
