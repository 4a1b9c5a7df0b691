// scripts/run, the demo behind `make run` (issue 7): it starts the server,
// streams a simulated fleet live, prints where to look, stops everything
// cleanly on SIGINT, and a second run reuses the data directory.
//
// The script runs under a small bash harness with job control on (`set -m`;
// dash refuses it without a terminal): a background job of a non-interactive
// shell otherwise starts with SIGINT ignored, which a script cannot trap, so
// the test's SIGINT would not be what a terminal's Ctrl-C is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "parse/timestamp.h"
#include "support/http_client.h"
#include "support/json_doc.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct DemoRun {
  ProgramResult result;
  std::string latest;  // GET /api/v1/readings/latest?meter_ids=SM000000 while it ran
};

// Runs scripts/run with `args` on `port` and `data_dir` until it serves,
// lets it run `seconds`, asks for SM000000's newest reading, sends SIGINT
// and reports whether anything still answers on the port afterwards.
DemoRun RunDemoFor(int seconds, uint16_t port, const std::string& data_dir,
                   const std::string& args) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::string script =
      "set -m\n"
      "'" +
      std::string(METRIFY_SOURCE_DIR) + "/scripts/run' --binary '" + METRIFY_BINARY +
      "' --listen 127.0.0.1:" + std::to_string(port) + " --data-dir '" + data_dir + "' " + args +
      " > '" + data_dir +
      ".out' 2>&1 &\n"
      "pid=$!\n"
      // Should the script hang, it still stops (and leaves no server behind).
      "( exec >/dev/null 2>&1; sleep 90; kill -TERM $pid ) &\n"
      "watchdog=$!\n"
      "for i in $(seq 1 300); do curl -fsS -o /dev/null " +
      url +
      "/health/ready 2>/dev/null && break; sleep 0.1; done\n"
      "sleep " +
      std::to_string(seconds) +
      "\n"
      "curl -fsS '" +
      url + "/api/v1/readings/latest?meter_ids=SM000000' > '" + data_dir +
      ".latest'\n"
      "sent=$(date +%s)\n"
      "kill -INT $pid\n"
      "wait $pid\n"
      "echo \"exit=$?\"\n"
      "echo \"stopped_in_s=$(($(date +%s) - sent))\"\n"
      "kill -- -$watchdog 2>/dev/null\n"  // its own process group (set -m), with its sleep
      "curl -fsS -o /dev/null " +
      url +
      "/health/live 2>/dev/null && echo still-serving\n"
      "cat '" +
      data_dir + ".out'\n";
  DemoRun run;
  run.result = RunProgram({"/bin/bash", "-c", script}, {}, {}, std::chrono::seconds(120));
  std::ifstream latest(data_dir + ".latest");
  run.latest.assign(std::istreambuf_iterator<char>(latest), std::istreambuf_iterator<char>());
  return run;
}

TEST(DemoRunTest, StreamsTheFleetLiveAndStopsEverythingOnSigint) {
  TempDir dir;
  const uint16_t port = FreeTcpPort();
  const int64_t began = WallMs();
  // One simulated hour per second after a day's backfill.
  DemoRun run =
      RunDemoFor(4, port, dir.path() + "/data", "--meters 20 --days 1 --speed 3600 --faults 0.05");
  const std::string& out = run.result.out;
  ASSERT_EQ(run.result.exit_code, 0) << out << run.result.err;
  EXPECT_THAT(out, HasSubstr("exit=0")) << out;
  EXPECT_THAT(out, HasSubstr("dashboard   http://localhost:" + std::to_string(port) + "/"));
  EXPECT_THAT(out, HasSubstr("/docs"));
  EXPECT_THAT(out, HasSubstr("curl '"));
  EXPECT_THAT(out, HasSubstr("simulated 20 meters, 4 operators, 20 stations")) << out;
  EXPECT_THAT(out, HasSubstr("run: stopping the simulator")) << out;
  EXPECT_THAT(out, HasSubstr("run: stopped; the data stays in")) << out;
  // By the SIGINT, not by the harness's watchdog 90 s later.
  const size_t stopped = out.find("stopped_in_s=");
  ASSERT_NE(stopped, std::string::npos) << out;
  EXPECT_LT(std::stoi(out.substr(stopped + 13)), 30) << out;
  EXPECT_THAT(out, Not(HasSubstr("still-serving"))) << out;
  EXPECT_THAT(out, Not(HasSubstr("reusing the data"))) << out;

  JsonDoc latest(run.latest);
  ASSERT_EQ(latest.Size("/readings"), 1u) << run.latest;
  const int64_t newest = *parse::ParseTimestamp(latest.String("/readings/0/timestamp"));
  // Live quarter hours arrived past the moment the demo started, so it
  // streams rather than only backfilling.
  EXPECT_GT(newest, began + 3'600'000) << latest.String("/readings/0/timestamp");
}

TEST(DemoRunTest, ASecondRunReusesTheData) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  DemoRun first = RunDemoFor(2, FreeTcpPort(), data, "--meters 5 --days 1 --speed 60");
  ASSERT_EQ(first.result.exit_code, 0) << first.result.out << first.result.err;
  JsonDoc before(first.latest);
  ASSERT_EQ(before.Size("/readings"), 1u) << first.latest;

  // Serving only: what SM000000 has now is what the first run stored.
  DemoRun second = RunDemoFor(1, FreeTcpPort(), data, "--no-fleet");
  ASSERT_EQ(second.result.exit_code, 0) << second.result.out << second.result.err;
  EXPECT_THAT(second.result.out, HasSubstr("run: reusing the data in " + data));
  EXPECT_THAT(second.result.out, HasSubstr("exit=0"));
  JsonDoc after(second.latest);
  ASSERT_EQ(after.Size("/readings"), 1u) << second.latest;
  EXPECT_EQ(after.String("/readings/0/timestamp"), before.String("/readings/0/timestamp"));
}

TEST(DemoRunTest, BadOptionsAreRefusedWithTheirName) {
  ProgramResult r = RunProgram({std::string(METRIFY_SOURCE_DIR) + "/scripts/run", "--binary",
                                METRIFY_BINARY, "--days", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--days must be a whole number from 1 to 60"));
  r = RunProgram({std::string(METRIFY_SOURCE_DIR) + "/scripts/run", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option --frobnicate"));
}

}  // namespace
}  // namespace metrify::test
