// `metrify simulate --live` against a real server: it backfills up to now,
// keeps sending quarter hours as its (sped-up) clock passes them, and a
// SIGINT ends it cleanly: exit 0, the summary printed, faults.csv written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "common/time.h"
#include "parse/timestamp.h"
#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `metrify simulate ... --live` for `seconds`, then sends it SIGINT
// through a shell (the test harness runs programs to completion).
ProgramResult RunLiveFor(int seconds, const std::vector<std::string>& args) {
  std::string command = std::string("'") + METRIFY_BINARY + "' simulate --live";
  for (const std::string& a : args) command += " '" + a + "'";
  command += " & pid=$!; sleep " + std::to_string(seconds) +
             "; kill -INT $pid; wait $pid; echo \"exit=$?\"";
  return RunProgram({"/bin/sh", "-c", command}, {}, {}, std::chrono::seconds(60));
}

TEST(CliSimulateLiveTest, StreamsPastNowAndStopsCleanlyOnSigint) {
  ServerProcess server;
  const int64_t began = WallMs();
  // 1 simulated hour per second: after the 6-hour backfill, 5 s of live
  // running reach about 5 hours past the moment the run started.
  ProgramResult r = RunLiveFor(
      5, {"--meters", "20", "--speed", "3600", "--start",
          FormatRfc3339((began - 6 * 3'600'000) / 900'000 * 900'000), "--to", server.url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("exit=0")) << r.err;
  EXPECT_THAT(r.out, HasSubstr("simulated 20 meters")) << r.out;

  TestHttpClient client("127.0.0.1", server.port());
  TestResponse latest = client.Get("/api/v1/readings/latest?meter_ids=SM000000,SM000019");
  ASSERT_EQ(latest.status, 200) << latest.body;
  JsonDoc doc(latest.body);
  ASSERT_EQ(doc.Size("/readings"), 2u) << latest.body;
  const int64_t newest = *parse::ParseTimestamp(doc.String("/readings/0/timestamp"));
  // Live quarter hours arrived beyond the wall clock, not just the backfill.
  EXPECT_GT(newest, began + 3'600'000) << doc.String("/readings/0/timestamp");
  EXPECT_LT(newest, WallMs() + 7 * 3'600'000) << "the sped-up clock ran too fast";
}

TEST(CliSimulateLiveTest, SigintDuringAFileRunStillWritesTheGroundTruth) {
  TempDir dir;
  const std::string out = dir.path() + "/live";
  ProgramResult r =
      RunLiveFor(3, {"--meters", "30", "--faults", "0.2", "--speed", "3600", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("exit=0")) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out + "/faults.csv"));
  EXPECT_TRUE(std::filesystem::exists(out + "/meters.csv"));
  EXPECT_FALSE(std::filesystem::is_empty(out + "/readings"));
}

TEST(CliSimulateLiveTest, LiveAndEndTogetherAreAUsageError) {
  ProgramResult r = RunCli({"simulate", "--live", "--end", "2025-01-02", "--out", "/tmp/x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("exactly one of --end and --live"));
}

}  // namespace
}  // namespace metrify::test
