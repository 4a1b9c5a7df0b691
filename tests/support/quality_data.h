// Readings for quality-report tests (API and CLI) and waiting for VEE to
// validate them on a real server.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/api_fixture.h"
#include "support/http_client.h"

namespace metrify::test {

inline constexpr int64_t kQuarterMs = 900'000;
inline constexpr int64_t kDayMs = 86'400'000;

// NDJSON quarter-hour readings of `meter` for the intervals ending in
// (from_ms, to_ms], except `skip`. The energy cycles 0.24, 0.25, 0.26, 0.25
// kWh (x `scale`), so four intervals average 0.25 x scale and no run of
// identical values makes VEE flag a flat line.
inline std::string CycleReadings(std::string_view meter, int64_t from_ms, int64_t to_ms,
                                 double scale = 1, const std::vector<int64_t>& skip = {}) {
  static constexpr double kCycle[] = {0.24, 0.25, 0.26, 0.25};
  std::string body;
  for (int64_t ts = from_ms + kQuarterMs; ts <= to_ms; ts += kQuarterMs) {
    if (std::find(skip.begin(), skip.end(), ts) != skip.end()) continue;
    const double kwh = kCycle[(ts / kQuarterMs) % 4] * scale;
    body += "{\"meter_id\":\"" + std::string(meter) + "\",\"timestamp\":" + std::to_string(ts) +
            ",\"energy_kwh\":" + std::to_string(kwh) + ",\"voltage_v\":230}\n";
  }
  return body;
}

// Posts NDJSON readings; every one must be accepted.
inline void IngestReadings(TestHttpClient& http, const std::string& ndjson) {
  TestResponse r = http.Post("/api/v1/readings", ndjson, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JsonDoc(r.body).Int("/rejected"), 0) << r.body;
}

// Waits until VEE has validated everything observed so far (the ingest
// answer comes after the server handed the readings to VEE).
inline void WaitForValidation(TestHttpClient& http) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::optional<double> pending =
        MetricValue(http.Get("/metrics").body, "metrify_vee_pending_meters", "");
    if (pending == 0.0) return;
    // A scaled `metrify serve` runs no VEE (its ingest worker does), and the
    // API fixture waits for the worker's VEE after every ingest.
    if (!pending && ServerTest::scaled()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "VEE did not finish validating within 30 s";
}

}  // namespace metrify::test
