// Stopping the real server: SIGTERM and SIGINT let in-flight requests finish
// and exit 0 with a "stopped" line; what was acknowledged is there after a
// restart on the same data directory, even after kill -9.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

// Seed-shaped CSV of `rows` meters, SHUT000000, SHUT000001, ...
std::string LargeMeterCsv(int rows) {
  std::string csv =
      "meter_id,latitude,longitude,address,manufacturer,model,installation_date,status,"
      "quality_tier,firmware_version,meter_type,tariff_type\n";
  char line[256];
  for (int i = 0; i < rows; ++i) {
    snprintf(line, sizeof line,
             "SHUT%06d,52.%04d,13.%04d,Street %d Berlin,Landis+Gyr,E450,2021-03-04,active,GOOD,"
             "2.1.4,electricity,standard\n",
             i, i % 10000, (i * 7) % 10000, i);
    csv += line;
  }
  return csv;
}

int64_t MeterCount(uint16_t port) {
  TestHttpClient client("127.0.0.1", port);
  TestResponse r = client.Get(std::string(kMeters) + "?page_size=1");
  EXPECT_EQ(r.status, 200) << r.body;
  return JsonDoc(r.body).Int("/total_count");
}

// Position of the first log line that contains every one of `parts`.
size_t LinePosition(const std::string& log, std::initializer_list<std::string_view> parts) {
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string_view line(log.data() + start, end - start);
    bool all = true;
    for (std::string_view p : parts) all = all && line.find(p) != std::string_view::npos;
    if (all) return start;
    start = end + 1;
  }
  return std::string::npos;
}

TEST(ServeShutdownTest, SigtermLetsAnInFlightImportFinishAndExitsZero) {
  constexpr int kRows = 5000;
  ServerProcess server;
  std::string csv = LargeMeterCsv(kRows);
  auto import = std::async(std::launch::async, [&] {
    TestHttpClient client("127.0.0.1", server.port());
    client.set_timeout(std::chrono::seconds(120));
    return client.Request("POST", std::string(kMeters) + "/import", csv,
                          {{"Content-Type", "text/csv"}, {"X-Request-ID", "big-import"}});
  });
  // Signal once the import is visibly under way: some rows stored.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (MeterCount(server.port()) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.Signal(SIGTERM);

  TestResponse r = import.get();
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc report(r.body);
  EXPECT_EQ(report.Int("/rows"), kRows);
  EXPECT_EQ(report.Int("/created"), kRows);
  EXPECT_EQ(report.Int("/rejected"), 0);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_EQ(server.Wait(), 0);

  std::string log = server.log();
  size_t signalled = LinePosition(log, {"\"msg\":\"shutting down\"", "SIGTERM"});
  size_t answered = LinePosition(log, {"\"msg\":\"request\"", "\"request_id\":\"big-import\""});
  size_t stopped = LinePosition(log, {"\"msg\":\"stopped\""});
  ASSERT_NE(signalled, std::string::npos) << log;
  ASSERT_NE(answered, std::string::npos) << log;
  ASSERT_NE(stopped, std::string::npos) << log;
  EXPECT_LT(signalled, answered) << "the import must have been in flight when SIGTERM arrived";
  EXPECT_LT(answered, stopped);

  server.Start();
  EXPECT_EQ(MeterCount(server.port()), kRows);
}

TEST(ServeShutdownTest, SigintExitsZeroWithStoppedLine) {
  ServerProcess server;
  TestHttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Post(std::string(kMeters), R"({"id":"SIGINT-1"})").status, 201);
  EXPECT_EQ(server.Stop(SIGINT), 0);
  std::string log = server.log();
  EXPECT_NE(LinePosition(log, {"\"msg\":\"shutting down\"", "SIGINT"}), std::string::npos) << log;
  EXPECT_NE(LinePosition(log, {"\"msg\":\"stopped\""}), std::string::npos) << log;
}

TEST(ServeShutdownTest, IdleKeepAliveConnectionDoesNotDelayShutdown) {
  ServerProcess server;
  TestHttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Get("/health/live").status, 200);  // the connection stays open, idle
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  // Far below the 30 s shutdown grace: idle connections are closed at once.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ServeShutdownTest, DataSurvivesACleanRestart) {
  ServerProcess server;
  {
    TestHttpClient client("127.0.0.1", server.port());
    ASSERT_EQ(client.Post(std::string(kOperators), R"({"id":"OP-DUR","name":"Durable"})").status,
              201);
    ASSERT_EQ(client
                  .Post(std::string(kStations),
                        R"({"id":"WS-DUR","name":"d","latitude":1,"longitude":2})")
                  .status,
              201);
    ASSERT_EQ(client
                  .Post(std::string(kMeters),
                        R"({"id":"DUR-1","grid_operator_id":"OP-DUR","city":"Bestand"})")
                  .status,
              201);
    ASSERT_EQ(client
                  .Request("PATCH", ItemPath(kMeters, "DUR-1"), R"({"status":"ACTIVE"})",
                           {{"Content-Type", "application/json"}})
                  .status,
              200);
  }
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  server.Start();
  TestHttpClient client("127.0.0.1", server.port());
  JsonDoc meter(client.Get(ItemPath(kMeters, "DUR-1")).body);
  EXPECT_EQ(meter.String("/status"), "ACTIVE");
  EXPECT_EQ(meter.String("/grid_operator_id"), "OP-DUR");
  EXPECT_TRUE(meter.IsNull("/weather_station_id"));  // no location, so no station
  EXPECT_EQ(client.Get(ItemPath(kOperators, "OP-DUR")).status, 200);
  EXPECT_EQ(client.Get(ItemPath(kStations, "WS-DUR")).status, 200);
}

TEST(ServeShutdownTest, AcknowledgedWritesSurviveKillDashNine) {
  constexpr int kMetersCreated = 20;
  ServerProcess server;
  {
    TestHttpClient client("127.0.0.1", server.port());
    for (int i = 0; i < kMetersCreated; ++i) {
      ASSERT_EQ(
          client.Post(std::string(kMeters), R"({"id":"KILL-)" + std::to_string(i) + R"("})").status,
          201);
    }
  }
  EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
  server.Start();
  EXPECT_EQ(MeterCount(server.port()), kMetersCreated);
}

}  // namespace
}  // namespace metrify::test
