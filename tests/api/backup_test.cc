// Online backup and offline restore end to end, with the real binary:
// `metrify backup` while two writers keep ingesting, `metrify restore` into
// fresh and used data directories, a server started on the restored data
// must have every reading acknowledged before the backup began, with its
// value, and each batch wholly or not at all. A damaged backup is refused
// and leaves the data directory untouched.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support/api_fixture.h"
#include "support/fleet_batches.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

constexpr int kWriters = 2;
constexpr int kMetersPerWriter = 5;
constexpr int kSlotsPerBatch = 20;  // 5 meters x 20 quarter hours = 100 readings
const FleetBatches kFleet{
    .prefix = "BK", .meters_per_writer = kMetersPerWriter, .slots_per_batch = kSlotsPerBatch};

std::string MeterId(int writer, int m) { return kFleet.MeterId(writer, m); }
double Value(int m, int batch, int slot) { return kFleet.Value(m, batch, slot); }
std::string Batch(int writer, int batch) { return kFleet.Batch(writer, batch); }

void RegisterMeters(uint16_t port) {
  TestHttpClient admin("127.0.0.1", port);
  ASSERT_EQ(admin.Post("/api/v1/smart-meters/import", kFleet.RegistrationCsv(kWriters), "text/csv")
                .status,
            200);
}

// energy_kwh of one meter's readings, in timestamp order.
std::vector<double> Readings(TestHttpClient& client, const std::string& meter) {
  TestResponse r = client.Get("/api/v1/smart-meters/" + meter +
                              "/readings?version=raw&start=2025-01-15T00:00:00Z&end=2030-01-01T00:00:00Z"
                              "&fields=energy_kwh");
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<double> values;
  if (r.status != 200) return values;
  JsonDoc doc(r.body);
  for (size_t i = 0; i < doc.Size("/readings"); ++i) {
    values.push_back(doc.Number("/readings/" + std::to_string(i) + "/energy_kwh"));
  }
  return values;
}

std::vector<std::string> SegmentFiles(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& f : std::filesystem::recursive_directory_iterator(root)) {
    if (f.path().extension() == ".seg") files.push_back(f.path().string());
  }
  return files;
}

TEST(Backup, ARestoredBackupTakenDuringIngestHasEveryReadingAcknowledgedBeforeIt) {
  // A small head budget keeps the flusher busy: the backup meets segments
  // written before it, its own flush and the WAL.
  ServerProcess server({.env = {{"METRIFY_STORAGE_HEAD_MEMORY_BYTES", "1MiB"}}, .args = {}});
  RegisterMeters(server.port());

  std::atomic<int> acknowledged[kWriters] = {};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      TestHttpClient client("127.0.0.1", server.port());
      client.set_timeout(std::chrono::seconds(30));
      // Bounded, so every reading lies inside the range the check reads.
      for (int batch = 0; !stop && batch < kFleet.MaxBatches(); ++batch) {
        TestResponse r = client.Post("/api/v1/readings", Batch(w, batch), "application/x-ndjson");
        if (r.status == 503) {  // back-pressure: not stored, send it again
          --batch;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        if (r.status != 200) {
          ADD_FAILURE() << "writer " << w << " batch " << batch << ": " << r.status << " "
                        << r.body;
          return;
        }
        acknowledged[w] = batch + 1;
      }
    });
  }
  // Registry writes go on too: one meter after another.
  std::atomic<int> registered{0};
  std::thread registrar([&] {
    TestHttpClient client("127.0.0.1", server.port());
    for (int n = 0; !stop; ++n) {
      TestResponse r = client.Post(kMeters, R"({"id":"BK-REG-)" + std::to_string(n) + R"("})");
      if (r.status != 201) {
        ADD_FAILURE() << "meter " << n << ": " << r.status << " " << r.body;
        return;
      }
      registered = n + 1;
    }
  });
  for (int w = 0; w < kWriters; ++w) {
    while (acknowledged[w] < 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TempDir scratch;
  const std::string backup = scratch.path() + "/backups/first";
  int before[kWriters];
  for (int w = 0; w < kWriters; ++w) before[w] = acknowledged[w];
  const int registered_before = registered;
  ProgramResult made = RunCli({"backup", backup, "--server", server.url(), "--json"});
  int after[kWriters];
  for (int w = 0; w < kWriters; ++w) after[w] = acknowledged[w];
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // ingest goes on
  stop = true;
  for (auto& t : writers) t.join();
  registrar.join();
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  JsonDoc manifest(made.out);
  EXPECT_EQ(manifest.Int("/format"), 1);
  EXPECT_EQ(manifest.String("/registry"), "registry.db");
  EXPECT_GT(manifest.Int("/segments"), 0);
  EXPECT_GE(manifest.Int("/wal_files"), 1);
  EXPECT_GT(manifest.Int("/bytes"), 0);
  EXPECT_FALSE(manifest.String("/created_at").empty());
  EXPECT_EQ(static_cast<int64_t>(SegmentFiles(backup + "/engine").size()),
            manifest.Int("/segments"));
  std::ifstream file(backup + "/BACKUP");
  std::stringstream written;
  written << file.rdbuf();
  EXPECT_EQ(JsonDoc(written.str()).Int("/segments"), manifest.Int("/segments"));

  // Refusals: a directory that is not empty, a relative path.
  TestHttpClient admin("127.0.0.1", server.port());
  TestResponse again = admin.Post("/api/v1/admin/backup", R"({"dir":")" + backup + R"("})");
  EXPECT_TRUE(IsApiError(again, 422, "validation_failed")) << again.body;
  EXPECT_THAT(ErrorDetails(again), ::testing::ElementsAre("dir:not_empty"));
  TestResponse relative = admin.Post("/api/v1/admin/backup", R"({"dir":"backups/x"})");
  EXPECT_TRUE(IsApiError(relative, 422, "validation_failed")) << relative.body;
  EXPECT_THAT(ErrorDetails(relative), ::testing::ElementsAre("dir:not_absolute"));
  ProgramResult cli_again = RunCli({"backup", backup, "--server", server.url()});
  EXPECT_EQ(cli_again.exit_code, 5) << cli_again.err;
  EXPECT_THAT(cli_again.err, HasSubstr("not empty"));

  // A fresh data directory takes the backup without --force.
  const std::string fresh = scratch.path() + "/fresh";
  ProgramResult restored = RunCli({"restore", backup, "--data-dir", fresh});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_THAT(restored.out, HasSubstr("verified"));

  // A used one needs --force, and no server on it.
  ServerProcess target;
  ProgramResult busy = RunCli({"restore", backup, "--data-dir", target.data_dir(), "--force"});
  EXPECT_EQ(busy.exit_code, 4) << busy.out << busy.err;
  EXPECT_THAT(busy.err, HasSubstr("in use"));
  ASSERT_EQ(target.Stop(), 0);
  ProgramResult used = RunCli({"restore", backup, "--data-dir", target.data_dir()});
  EXPECT_EQ(used.exit_code, 4) << used.out << used.err;
  EXPECT_THAT(used.err, HasSubstr("--force"));
  ProgramResult forced = RunCli({"restore", backup, "--data-dir", target.data_dir(), "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  target.Start();

  TestHttpClient reader("127.0.0.1", target.port());
  for (int n = 0; n < registered_before; ++n) {
    EXPECT_EQ(reader.Get(std::string(kMeters) + "/BK-REG-" + std::to_string(n)).status, 200)
        << "meter BK-REG-" << n << " was registered before the backup began";
  }
  for (int w = 0; w < kWriters; ++w) {
    size_t batches = 0;
    for (int m = 0; m < kMetersPerWriter; ++m) {
      ASSERT_EQ(reader.Get(std::string(kMeters) + "/" + MeterId(w, m)).status, 200);
      const std::vector<double> stored = Readings(reader, MeterId(w, m));
      ASSERT_EQ(stored.size() % kSlotsPerBatch, 0u) << MeterId(w, m) << ": a batch is half there";
      ASSERT_GE(stored.size(), static_cast<size_t>(before[w]) * kSlotsPerBatch)
          << MeterId(w, m) << ": readings acknowledged before the backup are missing";
      EXPECT_LE(stored.size(), static_cast<size_t>(after[w] + 1) * kSlotsPerBatch)
          << MeterId(w, m) << ": readings sent after the backup ended are in it";
      if (m == 0) batches = stored.size() / kSlotsPerBatch;
      EXPECT_EQ(stored.size(), batches * kSlotsPerBatch) << "meters of one batch disagree";
      for (size_t i = 0; i < stored.size(); ++i) {
        const int batch = static_cast<int>(i / kSlotsPerBatch);
        const int slot = static_cast<int>(i % kSlotsPerBatch);
        ASSERT_EQ(stored[i], Value(m, batch, slot)) << MeterId(w, m) << " reading " << i;
      }
    }
  }
}

TEST(Backup, RestoreRefusesADamagedBackupAndLeavesTheDataDirectoryAlone) {
  ServerProcess server;
  RegisterMeters(server.port());
  TestHttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Post("/api/v1/readings", Batch(0, 0), "application/x-ndjson").status, 200);
  TempDir scratch;
  const std::string backup = scratch.path() + "/backup";
  ProgramResult made = RunCli({"backup", backup, "--server", server.url()});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  EXPECT_THAT(made.out, HasSubstr("backup written to " + backup));

  // Flip one byte in the middle of a segment. The backup's segments are hard
  // links to the server's: write a new file and rename it over the link.
  const std::vector<std::string> segments = SegmentFiles(backup + "/engine");
  ASSERT_FALSE(segments.empty());
  const std::string victim = segments.front();
  std::string bytes;
  {
    std::ifstream in(victim, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    bytes = content.str();
  }
  ASSERT_GT(bytes.size(), 100u);
  bytes[bytes.size() / 2] ^= 0x10;
  std::ofstream(victim + ".new", std::ios::binary) << bytes;
  std::filesystem::rename(victim + ".new", victim);

  const std::string target = scratch.path() + "/target";
  std::filesystem::create_directories(target);
  ProgramResult refused = RunCli({"restore", backup, "--data-dir", target});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("is damaged"));
  EXPECT_THAT(refused.err, HasSubstr(victim));
  EXPECT_THAT(refused.err, HasSubstr("nothing was restored"));
  EXPECT_TRUE(std::filesystem::is_empty(target)) << "a refused restore leaves nothing behind";

  // The server's own copy is intact: it still reads back.
  EXPECT_EQ(Readings(client, MeterId(0, 0)).size(), static_cast<size_t>(kSlotsPerBatch));

  // A directory without the manifest is no backup.
  std::filesystem::remove(backup + "/BACKUP");
  ProgramResult unfinished = RunCli({"restore", backup, "--data-dir", target});
  EXPECT_EQ(unfinished.exit_code, 2) << unfinished.err;
  EXPECT_THAT(unfinished.err, HasSubstr("not a Metrify backup"));
}

}  // namespace
}  // namespace metrify::test
