// `metrify alerts` against a real server: the list as a table and as the
// server's JSON, one alert, acknowledge and resolve, and the exit codes of
// an unknown id (3), a step the state does not allow (4), a refused
// parameter (5), an unreachable server (6) and bad flags (2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kQuarter = 900'000;

class CliAlertsTest : public ServerTest {
 protected:
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
  // A meter with one open voltage_high alert (detection raises it a moment
  // after the reading); returns the alert's id as text.
  std::string MeterWithAlert(const std::string& meter) {
    EXPECT_EQ(Post(kMeters, R"({"id":")" + meter + R"("})").status, 201);
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const int64_t at = now / kQuarter * kQuarter - 3 * 3'600'000;
    TestResponse r = Post(ItemPath(kMeters, meter) + "/readings",
                          "[{\"timestamp\":" + std::to_string(at) + ",\"voltage_v\":258}]");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
      JsonDoc doc(Get("/api/v1/alerts?source=meter:" + meter).body);
      if (doc.Int("/total_count") == 1) return std::to_string(doc.Int("/items/0/id"));
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no alert for " << meter << ": " << doc.text();
        return "0";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};

TEST_F(CliAlertsTest, ListPrintsATableAndJson) {
  const std::string id = MeterWithAlert("CLIAL-LIST");
  ProgramResult r = Cli({"alerts", "list", "--source", "meter:CLIAL-LIST"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("ID +SEVERITY +STATE +TYPE +RULE +SOURCE +COUNT +LAST_SEEN "
                                   "+MESSAGE\n" +
                                   id +
                                   " +WARNING +OPEN +meter_rule +voltage_high +meter:CLIAL-LIST "
                                   "+1 +[0-9T:Z-]+ +voltage 258"));
  EXPECT_THAT(r.out, HasSubstr("1 of 1 alerts (page 1)\n"));
  EXPECT_EQ(r.err, "");

  ProgramResult filtered =
      Cli({"alerts", "list", "--source", "meter:CLIAL-LIST", "--state", "resolved"});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  EXPECT_THAT(filtered.out, HasSubstr("0 of 0 alerts"));
  ProgramResult more = Cli({"alerts", "list", "--severity", "warning", "--type", "meter_rule",
                            "--since", "2000-01-01T00:00:00Z", "--page-size", "1"});
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_THAT(more.out, ContainsRegex("1 of [0-9]+ alerts \\(page 1"));

  ProgramResult json = Cli({"alerts", "list", "--source", "meter:CLIAL-LIST", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  JsonDoc doc(json.out);
  ASSERT_TRUE(doc.ok()) << json.out;
  EXPECT_EQ(doc.Int("/total_count"), 1);
  EXPECT_EQ(doc.String("/items/0/rule"), "voltage_high");
  EXPECT_EQ(std::to_string(doc.Int("/items/0/id")), id);

  ProgramResult get = Cli({"alerts", "get", id});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr("rule: voltage_high\n"));
  EXPECT_THAT(get.out, HasSubstr("source_id: CLIAL-LIST\n"));
  EXPECT_THAT(get.out, Not(HasSubstr("acknowledged:"))) << "steps not taken are left out";
}

TEST_F(CliAlertsTest, AckThenResolveAndTheirExitCodes) {
  const std::string id = MeterWithAlert("CLIAL-STEPS");
  ProgramResult ack = Cli({"alerts", "ack", id, "--by", "j.schmidt", "--note", "crew sent"});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_THAT(ack.out, HasSubstr("alert " + id +
                                 " is ACKNOWLEDGED (WARNING voltage_high of "
                                 "meter:CLIAL-STEPS)\n"));
  JsonDoc stored(Get("/api/v1/alerts/" + id).body);
  EXPECT_EQ(stored.String("/acknowledged/by"), "j.schmidt");
  EXPECT_EQ(stored.String("/acknowledged/note"), "crew sent");

  ProgramResult again = Cli({"alerts", "acknowledge", id, "--by", "k.weber"});
  EXPECT_EQ(again.exit_code, 4) << again.err;
  EXPECT_THAT(again.err, HasSubstr("is ACKNOWLEDGED, so it cannot be acknowledged"));

  ProgramResult resolve = Cli({"alerts", "resolve", id, "--by", "j.schmidt", "--json"});
  ASSERT_EQ(resolve.exit_code, 0) << resolve.err;
  JsonDoc resolved(resolve.out);
  EXPECT_EQ(resolved.String("/state"), "RESOLVED");
  EXPECT_EQ(resolved.String("/resolved/by"), "j.schmidt");

  ProgramResult twice = Cli({"alerts", "resolve", id, "--by", "j.schmidt"});
  EXPECT_EQ(twice.exit_code, 4) << twice.err;
  EXPECT_THAT(twice.err, HasSubstr("is RESOLVED"));
  EXPECT_EQ(twice.out, "");
}

TEST_F(CliAlertsTest, ExitCodesOfUnknownIdsBadValuesAndNoServer) {
  ProgramResult unknown = Cli({"alerts", "ack", "999999", "--by", "x"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;
  EXPECT_THAT(unknown.err, HasSubstr("no alert with id 999999"));
  EXPECT_EQ(Cli({"alerts", "resolve", "999999", "--by", "x"}).exit_code, 3);
  EXPECT_EQ(Cli({"alerts", "get", "999999"}).exit_code, 3);
  // Refused by the server: 5, the problem named.
  ProgramResult since = Cli({"alerts", "list", "--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 5);
  EXPECT_THAT(since.err, HasSubstr("since must be RFC 3339"));
  ProgramResult source = Cli({"alerts", "list", "--source", "pump"});
  EXPECT_EQ(source.exit_code, 5);
  EXPECT_THAT(source.err, HasSubstr("meter, grid_operator or weather_station"));
  ProgramResult blank = Cli({"alerts", "ack", "999999", "--by", " "});
  EXPECT_EQ(blank.exit_code, 5) << blank.err;
  // Usage: 2.
  EXPECT_EQ(Cli({"alerts", "list", "--state", "closed"}).exit_code, 2);
  EXPECT_EQ(Cli({"alerts", "ack", "1"}).exit_code, 2) << "--by is required";
  EXPECT_EQ(Cli({"alerts", "ack", "abc", "--by", "x"}).exit_code, 2);
  EXPECT_EQ(Cli({"alerts"}).exit_code, 2);
  // Nobody listening: 6.
  ProgramResult down =
      RunCli({"alerts", "list", "--server", "http://127.0.0.1:" + std::to_string(FreeTcpPort())});
  EXPECT_EQ(down.exit_code, 6) << down.err;
}

TEST(CliAlertsHelpTest, EachSubcommandHasHelp) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"alerts"}, {"list", "get", "ack", "resolve"}},
      {{"alerts", "list"},
       {"--state", "--severity", "--source", "--type", "--rule", "--since", "--page", "--page-size",
        "--json", "--server", "Exit codes"}},
      {{"alerts", "get"}, {"id", "--json", "--server"}},
      {{"alerts", "ack"}, {"id", "--by", "--note", "--json", "--server", "Exit codes"}},
      {{"alerts", "resolve"}, {"id", "--by", "--note", "--json", "--server", "Exit codes"}},
  };
  for (const auto& [args, mentions] : cases) {
    std::vector<std::string> argv = args;
    argv.push_back("--help");
    ProgramResult r = RunCli(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Usage:"));
    for (const std::string& mention : mentions) {
      EXPECT_THAT(r.out, HasSubstr(mention)) << ::testing::PrintToString(args);
    }
  }
  EXPECT_THAT(RunCli({"--help"}).out, HasSubstr("alerts"));
}

}  // namespace
}  // namespace metrify::test
