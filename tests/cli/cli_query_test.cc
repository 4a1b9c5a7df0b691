// `metrify query meter` against a real server: raw readings and calendar
// buckets as a table, the server's JSON and CSV passed through, parameters
// percent-encoded ('+' of an offset), and the errors of an unknown meter
// (exit 3) and of bad parameters (exit 5, each detail printed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

constexpr std::string_view kDay = "start=2025-01-15T00:00:00Z&end=2025-01-15T01:00:00Z";

class CliQueryTest : public ServerTest {
 protected:
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
  // A Berlin meter with eight quarter hours of 0.25 kWh ending 00:15Z to
  // 02:00Z on 2025-01-15; every one but 00:30Z has a voltage.
  void Seed(const std::string& meter) {
    ASSERT_EQ(Post(kMeters, R"({"id":")" + meter + R"(","timezone":"Europe/Berlin"})").status, 201);
    std::string csv = "meter_id,timestamp,energy_kwh,voltage_v\n";
    for (const char* time :
         {"00:15", "00:30", "00:45", "01:00", "01:15", "01:30", "01:45", "02:00"}) {
      csv += meter + ",2025-01-15T" + time + ":00Z,0.25," +
             (std::string_view(time) == "00:30" ? "" : "230") + "\n";
    }
    TestResponse r = Post("/api/v1/readings", csv, "text/csv");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JsonDoc(r.body).Int("/accepted"), 8) << r.body;
  }
  std::string Readings(const std::string& meter, std::string_view params) {
    TestResponse r = Get(std::string(kMeters) + "/" + meter + "/readings?" + std::string(params));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
};

TEST_F(CliQueryTest, RawReadingsAsATable) {
  Seed("CLIQ-RAW");
  ProgramResult r = Cli({"query", "meter", "CLIQ-RAW", "--start", "2025-01-15T00:00:00Z", "--end",
                         "2025-01-15T01:00:00Z", "--raw"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("TIMESTAMP +INTERVAL_S +ENERGY_KWH +VOLTAGE_V\n"
                                   "2025-01-15T00:15:00Z +900 +0.25 +230\n"
                                   "2025-01-15T00:30:00Z +900 +0.25 +-\n"
                                   "2025-01-15T00:45:00Z +900 +0.25 +230\n"));
  EXPECT_THAT(r.out, HasSubstr("3 readings of meter CLIQ-RAW from 2025-01-15T00:00:00Z to "
                               "2025-01-15T01:00:00Z (raw, Europe/Berlin)\n"));
}

TEST_F(CliQueryTest, ValidatedReadingsSayHowEachWasDecided) {
  Seed("CLIQ-VAL");
  ProgramResult r = Cli({"query", "meter", "CLIQ-VAL", "--start", "2025-01-15T00:00:00Z", "--end",
                         "2025-01-15T01:00:00Z", "--fields", "energy_kwh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("TIMESTAMP +INTERVAL_S +ENERGY_KWH +STATUS +RULE +METHOD +TIER\n"
                                   "2025-01-15T00:15:00Z +900 +0.25 +MEASURED +- +- +EXCELLENT\n"));
  EXPECT_THAT(r.out, HasSubstr("3 readings of meter CLIQ-VAL"));
}

// The offsets' '+' must reach the server as %2B, not as a space.
TEST_F(CliQueryTest, HourBucketsAsATable) {
  Seed("CLIQ-HOUR");
  ProgramResult r =
      Cli({"query", "meter", "CLIQ-HOUR", "--start", "2025-01-15T01:00:00+01:00", "--end",
           "2025-01-15T03:00:00+01:00", "--interval", "1h", "--tz", "Europe/Berlin"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("START_LOCAL +COUNT +EXPECTED +ENERGY_KWH +VOLTAGE_V\n"
                                   "2025-01-15T01:00:00\\+01:00 +4 +4 +1 +230\n"
                                   "2025-01-15T02:00:00\\+01:00 +4 +4 +1 +230\n"));
  EXPECT_THAT(r.out, HasSubstr("2 buckets of meter CLIQ-HOUR from 2025-01-15T00:00:00Z to "
                               "2025-01-15T02:00:00Z (1h, Europe/Berlin; agg energy_kwh=sum, "
                               "voltage_v=avg)\n"));
}

TEST_F(CliQueryTest, JsonAndCsvAreTheServersOwn) {
  Seed("CLIQ-OUT");
  const std::vector<std::string> day = {"query",
                                        "meter",
                                        "CLIQ-OUT",
                                        "--start",
                                        "2025-01-15T00:00:00Z",
                                        "--end",
                                        "2025-01-15T01:00:00Z"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = day;
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args);
  };
  ProgramResult json = with({"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, Readings("CLIQ-OUT", kDay) + "\n");
  ProgramResult format_json = with({"--format", "json"});
  EXPECT_EQ(format_json.out, json.out);
  ProgramResult csv = with({"--format", "csv", "--fields", "energy_kwh"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, Readings("CLIQ-OUT", std::string(kDay) + "&fields=energy_kwh&format=csv"));
  EXPECT_THAT(csv.out, HasSubstr("timestamp,interval_s,energy_kwh,status,rule,quality,tier\n"));
  ProgramResult buckets = with({"--format", "csv", "--interval", "15m", "--agg", "max"});
  ASSERT_EQ(buckets.exit_code, 0) << buckets.err;
  EXPECT_EQ(buckets.out,
            Readings("CLIQ-OUT", std::string(kDay) + "&interval=15m&agg=max&format=csv"));
}

TEST_F(CliQueryTest, UnknownMeterExitsThree) {
  ProgramResult r = Cli({"query", "meter", "CLIQ-NOBODY"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, AllOf(HasSubstr("CLIQ-NOBODY"), HasSubstr("not found")));
  EXPECT_EQ(r.out, "");
}

TEST_F(CliQueryTest, BadParametersExitFiveWithEachProblem) {
  Seed("CLIQ-BAD");
  ProgramResult r = Cli({"query", "meter", "CLIQ-BAD", "--interval", "2h", "--tz", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, AllOf(HasSubstr("2h"), HasSubstr("Mars/Olympus")));
  ProgramResult both = Cli({"query", "meter", "CLIQ-BAD", "--json", "--format", "csv"});
  EXPECT_EQ(both.exit_code, 2);
  ProgramResult format = Cli({"query", "meter", "CLIQ-BAD", "--format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
}

TEST(CliQueryHelpTest, HelpHasOptionsExamplesAndExitCodes) {
  ProgramResult r = RunCli({"query", "meter", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* mention : {"--start", "--end", "--interval", "--agg", "--fields", "--tz",
                              "--format", "--json", "--server", "Examples:", "Exit codes:"}) {
    EXPECT_THAT(r.out, HasSubstr(mention));
  }
  EXPECT_EQ(RunCli({"query", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace metrify::test
