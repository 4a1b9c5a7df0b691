// Concurrent writers and readers against one server for a few seconds, with
// a small head budget so flushes and compactions run underneath: no request
// fails, readers never see a meter's reading count go down, and at the end
// every acknowledged reading is there exactly once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 2;
constexpr int kMetersPerWriter = 25;
constexpr int64_t kStartMs = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr int64_t kQuarterMs = 900'000;

// RFC 3339 UTC of whole seconds, as the API writes it.
std::string FormatUtc(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string MeterId(int writer, int m) { return fmt::format("LOAD-{}-{}", writer, m); }

TEST(LoadTest, ConcurrentWritersAndReadersKeepEveryAcknowledgedReading) {
  ServerProcess server({.env = {{"METRIFY_STORAGE_HEAD_MEMORY_BYTES", "2MiB"}}, .args = {}});
  TestHttpClient admin("127.0.0.1", server.port());
  std::string csv = "id\n";
  for (int w = 0; w < kWriters; ++w) {
    for (int m = 0; m < kMetersPerWriter; ++m) csv += MeterId(w, m) + "\n";
  }
  ASSERT_EQ(admin.Post("/api/v1/smart-meters/import", csv, "text/csv").status, 200);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, regressions{0}, reads{0}, backpressure{0};
  std::vector<int> slots_acknowledged(kWriters, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      TestHttpClient client("127.0.0.1", server.port());
      for (int slot = 0; !stop; slot += 8) {  // 8 quarter hours x 25 meters per batch
        std::string body = "[";
        for (int s = slot; s < slot + 8; ++s) {
          for (int m = 0; m < kMetersPerWriter; ++m) {
            body += fmt::format(R"({}{{"meter_id":"{}","timestamp":{},"energy_kwh":{}}})",
                                body.size() > 1 ? "," : "", MeterId(w, m),
                                kStartMs + (s + 1) * kQuarterMs, 0.001 * (s + m));
          }
        }
        body += "]";
        TestResponse r = client.Post("/api/v1/readings", body);
        if (r.status == 503) {  // back-pressure: nothing stored; send the same slots again
          slot -= 8;
          ++backpressure;
          continue;
        }
        if (r.status != 200 || JsonDoc(r.body).Int("/accepted") != 8 * kMetersPerWriter) {
          ++failures;
          return;
        }
        slots_acknowledged[w] = slot + 8;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      TestHttpClient client("127.0.0.1", server.port());
      int64_t last_count = 0;
      while (!stop) {
        TestResponse day = client.Get(
            "/api/v1/smart-meters/" + MeterId(r, 0) +
            "/readings?version=raw&start=2025-01-15T00:00:00Z&end=2030-01-01T00:00:00Z&interval=1M&tz=UTC");
        TestResponse latest = client.Get("/api/v1/readings/latest?meter_ids=" + MeterId(r, 1));
        if (day.status != 200 || latest.status != 200) {
          ++failures;
          return;
        }
        JsonDoc doc(day.body);
        int64_t count = 0;
        for (size_t i = 0; i < doc.Size("/buckets"); ++i) {
          count += doc.Int("/buckets/" + std::to_string(i) + "/count");
        }
        if (count < last_count) ++regressions;
        last_count = count;
        ++reads;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(regressions.load(), 0) << "a reader saw readings disappear";
  EXPECT_GT(reads.load(), 10);
  std::cout << "load: " << reads.load() << " reads, " << backpressure.load()
            << " batches refused with 503 and resent\n";

  TestHttpClient check("127.0.0.1", server.port());
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_GT(slots_acknowledged[w], 0);
    for (int m : {0, kMetersPerWriter - 1}) {
      JsonDoc doc(check
                      .Get("/api/v1/smart-meters/" + MeterId(w, m) +
                           "/readings?version=raw&start=2025-01-15T00:00:00Z&end=2030-01-01T00:00:00Z"
                           "&fields=energy_kwh")
                      .body);
      // The batch in flight at the stop may or may not have landed.
      EXPECT_GE(doc.Int("/count"), slots_acknowledged[w]) << MeterId(w, m);
      EXPECT_LE(doc.Int("/count"), slots_acknowledged[w] + 8) << MeterId(w, m);
      // No holes: the readings are consecutive quarter hours from the first.
      const int64_t n = doc.Int("/count");
      EXPECT_EQ(doc.String("/readings/" + std::to_string(n - 1) + "/timestamp"),
                FormatUtc(kStartMs + n * kQuarterMs));
    }
  }
}

}  // namespace
}  // namespace metrify::test
