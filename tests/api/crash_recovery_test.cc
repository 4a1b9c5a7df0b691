// Kill -9 during ingest: every acknowledged reading must be there after the
// restart, with its value, and a batch that was in flight is either wholly
// present or wholly absent (one batch is one WAL record). A small head
// budget keeps the flusher busy, so the kill also lands around flushes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "support/api_fixture.h"
#include "support/fleet_batches.h"

namespace metrify::test {
namespace {

constexpr int kWriters = 4;
constexpr int kMetersPerWriter = 10;
constexpr int kSlotsPerBatch = 50;  // 10 meters x 50 quarter hours = 500 readings
const FleetBatches kFleet{
    .prefix = "CR", .meters_per_writer = kMetersPerWriter, .slots_per_batch = kSlotsPerBatch};

std::string MeterId(int writer, int m) { return kFleet.MeterId(writer, m); }
double Value(int m, int batch, int slot) { return kFleet.Value(m, batch, slot); }
std::string Batch(int writer, int batch) { return kFleet.Batch(writer, batch); }

struct WriterLog {
  int acknowledged = 0;    // batches 0..acknowledged-1 got 200
  bool in_flight = false;  // batch `acknowledged` was sent without an answer
};

TEST(CrashRecovery, AcknowledgedReadingsSurviveSigkillAndNothingIsHalfVisible) {
  ServerProcess server({.env = {{"METRIFY_STORAGE_HEAD_MEMORY_BYTES", "1MiB"}}, .args = {}});
  TestHttpClient admin("127.0.0.1", server.port());
  ASSERT_EQ(admin.Post("/api/v1/smart-meters/import", kFleet.RegistrationCsv(kWriters), "text/csv")
                .status,
            200);

  std::vector<WriterLog> logs(kWriters);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      TestHttpClient client("127.0.0.1", server.port());
      client.set_timeout(std::chrono::seconds(10));
      // Bounded: the check below reads every reading back in one query,
      // whose range must hold them all however fast the machine is.
      for (int batch = 0; !stop && batch < kFleet.MaxBatches(); ++batch) {
        logs[w].in_flight = true;
        try {
          TestResponse r = client.Post("/api/v1/readings", Batch(w, batch), "application/x-ndjson");
          if (r.status != 200) return;  // e.g. 503 back-pressure: not acknowledged
        } catch (const std::exception&) {
          return;  // the server died with this batch in flight
        }
        logs[w].in_flight = false;
        logs[w].acknowledged = batch + 1;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server.Signal(SIGKILL);
  EXPECT_EQ(server.Wait(), 128 + SIGKILL);
  stop = true;
  for (auto& t : writers) t.join();

  server.Start();
  TestHttpClient reader("127.0.0.1", server.port());
  int acknowledged_total = 0;
  for (int w = 0; w < kWriters; ++w) {
    acknowledged_total += logs[w].acknowledged;
    const int batches = logs[w].acknowledged + (logs[w].in_flight ? 1 : 0);
    for (int m = 0; m < kMetersPerWriter; ++m) {
      TestResponse r = reader.Get("/api/v1/smart-meters/" + MeterId(w, m) +
                                  "/readings?version=raw&start=2025-01-15T00:00:00Z" +
                                  "&end=2030-01-01T00:00:00Z&fields=energy_kwh");
      ASSERT_EQ(r.status, 200) << r.body;
      JsonDoc doc(r.body);
      std::map<int64_t, double> stored;  // slot index -> value
      for (size_t i = 0; i < doc.Size("/readings"); ++i) {
        const std::string at = "/readings/" + std::to_string(i);
        // Timestamps come back as RFC 3339; the slot order is the array order.
        stored[static_cast<int64_t>(i)] = doc.Number(at + "/energy_kwh");
      }
      const size_t acked_readings = static_cast<size_t>(logs[w].acknowledged) * kSlotsPerBatch;
      ASSERT_GE(stored.size(), acked_readings) << MeterId(w, m) << ": acknowledged readings lost";
      for (int b = 0; b < logs[w].acknowledged; ++b) {
        for (int slot = 0; slot < kSlotsPerBatch; ++slot) {
          const int64_t index = int64_t{b} * kSlotsPerBatch + slot;
          ASSERT_EQ(stored[index], Value(m, b, slot)) << MeterId(w, m) << " batch " << b;
        }
      }
      const size_t extra = stored.size() - acked_readings;
      EXPECT_TRUE(extra == 0 || (batches > logs[w].acknowledged && extra == kSlotsPerBatch))
          << MeterId(w, m) << ": " << extra << " readings beyond the acknowledged batches";
    }
  }
  EXPECT_GT(acknowledged_total, kWriters) << "the writers barely ran before the kill";
  // The restart found segments: the kill came after flushes had run.
  const std::string log = server.log();
  const size_t open = log.rfind("readings engine open");
  ASSERT_NE(open, std::string::npos);
  const std::string line = log.substr(open, log.find('\n', open) - open);
  EXPECT_EQ(line.find("\"segments\":0,"), std::string::npos) << line;
}

}  // namespace
}  // namespace metrify::test
