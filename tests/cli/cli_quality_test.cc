// `metrify quality check` against a real server: a meter's days and the
// fleet's groups as a table or the server's JSON, exit 0 when every row
// meets the thresholds and 8 naming each row and figure that misses one,
// 3 for an unknown meter, 5 for a parameter the server refuses, 2 for
// flags that do not go together.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"
#include "support/quality_data.h"

namespace metrify::test {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kJun15 = 1749945600000;  // 2025-06-15T00:00:00Z

class CliQualityTest : public ServerTest {
 protected:
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
  // A UTC meter with 2025-06-15 measured, less `missing` quarter hours
  // (VEE estimates them), validated.
  void Seed(const std::string& meter, int missing = 0) {
    ASSERT_EQ(Post(kMeters, R"({"id":")" + meter + R"(","timezone":"UTC"})").status, 201);
    std::vector<int64_t> skip;
    for (int i = 1; i <= missing; ++i) skip.push_back(kJun15 + (40 + i) * kQuarterMs);
    IngestReadings(http(), CycleReadings(meter, kJun15, kJun15 + kDayMs, 1, skip));
    WaitForValidation(http());
  }
  static std::vector<std::string> Day(std::vector<std::string> args) {
    args.insert(args.begin(), {"quality", "check"});
    args.insert(args.end(), {"--start", "2025-06-15", "--end", "2025-06-16"});
    return args;
  }
};

TEST_F(CliQualityTest, AMeterMeetingTheThresholdsExitsZeroWithItsDays) {
  Seed("CLIQQ-OK");
  ProgramResult r = Cli(Day({"--meter", "CLIQQ-OK"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("DATE +EXPECTED +MEASURED +ESTIMATED +EDITED +INVALID +MISSING "
                                   "+COMPLETENESS +VALIDITY +TIMELINESS +QUALITY +TIER +ENERGY_KWH "
                                   "+DAILY +RULES +BELOW\n"
                                   "2025-06-15 +96 +96 +0 +0 +0 +0 +1.000 +1.000 +1.000 +1.000 "
                                   "+EXCELLENT +24.000 +not_judged +- +-\n"
                                   "total +96 +96 "));
  EXPECT_THAT(r.out, HasSubstr("meter CLIQQ-OK, local days 2025-06-15 to 2025-06-15 (UTC)\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CliQualityTest, AMissedThresholdExits8NamingTheRowAndFigure) {
  Seed("CLIQQ-GAP", 2);
  // 94 of 96 measured: 0.979 meets the default 0.95.
  ProgramResult fine = Cli(Day({"--meter", "CLIQQ-GAP"}));
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_THAT(fine.out, ContainsRegex("2025-06-15 +96 +94 +2 +0 +0 +0 +0.979 "));
  ProgramResult r = Cli(Day({"--meter", "CLIQQ-GAP", "--min-completeness", "0.99"}));
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_THAT(r.err,
              AllOf(HasSubstr("quality below thresholds"),
                    HasSubstr("2025-06-15: completeness 0.979 (min 0.99)"),
                    HasSubstr("total: completeness 0.979 (min 0.99)"), Not(HasSubstr("validity"))));
  EXPECT_THAT(r.out, HasSubstr("2025-06-15")) << "the report is printed too";
  ProgramResult quality = Cli(Day({"--meter", "CLIQQ-GAP", "--min-quality", "0.99"}));
  EXPECT_EQ(quality.exit_code, 8);
  EXPECT_THAT(quality.err, HasSubstr("2025-06-15: quality "));
}

TEST_F(CliQualityTest, TheFleetIsCheckedPerGroup) {
  Seed("CLIQQ-F1");
  Seed("CLIQQ-F2", 2);
  const std::vector<std::string> fleet = {"--meter-ids", "CLIQQ-F1,CLIQQ-F2", "--group-by",
                                          "meter"};
  ProgramResult r = Cli(Day(fleet));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("GROUP +METERS +METER_DAYS +EXPECTED .*\n"
                                   "CLIQQ-F1 +1 +1 +96 +96 .*\n"
                                   "CLIQQ-F2 +1 +1 +96 +94 +2 "));
  EXPECT_THAT(r.out, HasSubstr("2 meters, local days 2025-06-15 to 2025-06-15, group by meter\n"));
  std::vector<std::string> strict = fleet;
  strict.insert(strict.end(), {"--min-completeness", "0.99"});
  ProgramResult below = Cli(Day(strict));
  EXPECT_EQ(below.exit_code, 8);
  EXPECT_THAT(below.err, AllOf(HasSubstr("group CLIQQ-F2: completeness 0.979 (min 0.99)"),
                               Not(HasSubstr("CLIQQ-F1"))));
}

TEST_F(CliQualityTest, JsonIsTheServersAnswerAndStillChecked) {
  Seed("CLIQQ-JSON", 2);
  ProgramResult r = Cli(Day({"--meter", "CLIQQ-JSON", "--format", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  TestResponse server_answer =
      Get("/api/v1/quality/meters/CLIQQ-JSON?min_completeness=0.95&min_validity=0.98"
          "&min_quality=0.8&start=2025-06-15&end=2025-06-16");
  EXPECT_EQ(r.out, server_answer.body + "\n");
  ProgramResult below = Cli(Day({"--meter", "CLIQQ-JSON", "--json", "--min-completeness", "1"}));
  EXPECT_EQ(below.exit_code, 8);
  EXPECT_THAT(below.err, HasSubstr("2025-06-15: completeness"));
}

TEST_F(CliQualityTest, UnknownMeterExits3) {
  ProgramResult r = Cli({"quality", "check", "--meter", "CLIQQ-NOBODY"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("CLIQQ-NOBODY"));
  EXPECT_EQ(r.out, "");
}

TEST_F(CliQualityTest, ARefusedParameterExits5NamingIt) {
  Seed("CLIQQ-PARAM");
  ProgramResult r = Cli({"quality", "check", "--meter", "CLIQQ-PARAM", "--start", "yesterday"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("start must be a date"));
}

TEST_F(CliQualityTest, FlagsThatDoNotGoTogetherAreUsageErrors) {
  EXPECT_EQ(Cli({"quality", "check", "--meter", "X", "--group-by", "city"}).exit_code, 2);
  EXPECT_EQ(Cli({"quality", "check", "--min-quality", "1.5"}).exit_code, 2);
  EXPECT_EQ(Cli({"quality", "check", "--group-by", "planet"}).exit_code, 2);
}

TEST(CliQualityHelpTest, HelpNamesTheOptionsDefaultsAndExitCode8) {
  ProgramResult r = RunCli({"quality", "check", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* mention : {"--meter", "--meter-ids", "--start", "--end", "--group-by",
                              "--min-completeness", "--min-validity", "--min-quality", "--format",
                              "--server", "Examples:", "8 a threshold was missed", "0.95"}) {
    EXPECT_THAT(r.out, HasSubstr(mention));
  }
  EXPECT_THAT(RunCli({"--help"}).out, HasSubstr("8 quality below thresholds"));
}

}  // namespace
}  // namespace metrify::test
