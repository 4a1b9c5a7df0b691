// Helpers shared by the tests of the API's Redis caches in scaled mode
// (tests/scaled/redis_api_*_test.cc).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "store/postgres/pg_connection.h"
#include "support/scaled_cluster.h"

namespace metrify::test::redis_api {

inline constexpr int64_t kQuarter = 900'000;
inline constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

// Adds YAML to the configuration every process of the cluster reads
// (workers get no environment of the test, only --config).
inline void AddToConfig(const ScaledCluster& cluster, const std::string& yaml) {
  std::ofstream(cluster.config_path(), std::ios::app) << yaml;
}

// Readings of `meter` for quarters first+1 .. first+count of kMonday, with
// energy `kwh_base` + 0.001 * quarter, as an ingest body.
inline std::string Readings(const std::string& meter, int first, int count, double kwh_base = 0) {
  std::string body = "[";
  for (int i = first; i < first + count; ++i) {
    if (i > first) body += ',';
    body += fmt::format(R"({{"meter_id":"{}","timestamp":{},"energy_kwh":{}}})", meter,
                        kMonday + (i + 1) * kQuarter, kwh_base + 0.001 * (i + 1));
  }
  return body + "]";
}

// "2025-01-13T01:00:00Z" for quarter 4.
inline std::string QuarterTime(int quarter) {
  const int minutes = quarter * 15;
  return fmt::format("2025-01-13T{:02}:{:02}:00Z", minutes / 60, minutes % 60);
}

inline int64_t Count(PostgresServer& pg, const std::string& sql) {
  auto db = store::PgConnection::Connect(pg.url(), std::chrono::seconds(10));
  if (!db.has_value()) return -1;
  auto rows = (*db)->Query(sql);
  return rows.has_value() && rows->size() == 1 ? rows->Int(0, 0) : -1;
}

// Polls `done` every 50 ms until it holds or `limit` passes.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace metrify::test::redis_api
