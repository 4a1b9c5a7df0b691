// Exit codes of the metrify binary, as documented in docs/cli.md: 1 rows
// rejected, 2 usage or configuration, 3 not found, 4 conflict, 5 value
// refused by the server, 6 server unreachable; and `serve` failing to bind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

class CliExitCodeTest : public ServerTest {
 protected:
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
};

TEST_F(CliExitCodeTest, GetUnknownExits3) {
  ProgramResult r = Cli({"meters", "get", "CLI-NOBODY"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("CLI-NOBODY"));
  EXPECT_EQ(r.out, "");
}

TEST_F(CliExitCodeTest, DeleteUnknownExits3) {
  EXPECT_EQ(Cli({"operators", "delete", "CLI-NOBODY"}).exit_code, 3);
}

TEST_F(CliExitCodeTest, DuplicateAddExits4) {
  ASSERT_EQ(Cli({"meters", "add", "--id", "CLI-DUP"}).exit_code, 0);
  ProgramResult r = Cli({"meters", "add", "--id", "CLI-DUP"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("already exists"));
}

TEST_F(CliExitCodeTest, DeletingAReferencedOperatorExits4) {
  ASSERT_EQ(Cli({"operators", "add", "--id", "CLI-OP-REF", "--name", "n"}).exit_code, 0);
  ASSERT_EQ(Cli({"meters", "add", "--id", "CLI-REF", "--grid-operator-id", "CLI-OP-REF"}).exit_code,
            0);
  EXPECT_EQ(Cli({"operators", "delete", "CLI-OP-REF"}).exit_code, 4);
}

TEST_F(CliExitCodeTest, ValueRefusedByTheServerExits5NamingTheField) {
  ProgramResult r = Cli({"meters", "add", "--id", "CLI-BAD", "--status", "broken", "--latitude",
                         "95", "--longitude", "1"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("status"));
  EXPECT_THAT(r.err, HasSubstr("latitude"));
  EXPECT_EQ(Get(ItemPath(kMeters, "CLI-BAD")).status, 404);
}

TEST_F(CliExitCodeTest, UpdateWithRefusedValueExits5) {
  ASSERT_EQ(Cli({"meters", "add", "--id", "CLI-UPD-BAD"}).exit_code, 0);
  ProgramResult r = Cli({"meters", "update", "CLI-UPD-BAD", "--timezone", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("timezone"));
}

TEST_F(CliExitCodeTest, NonNumericFlagValueIsAUsageErrorNamingTheField) {
  ProgramResult r = Cli({"meters", "add", "--id", "CLI-NAN", "--latitude", "north"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("latitude"));
}

TEST_F(CliExitCodeTest, ImportWithRejectedRowsExits1) {
  EXPECT_EQ(Cli({"meters", "import", DataFile("registry/import_bad_rows_meters.csv")}).exit_code,
            1);
}

TEST(CliUnreachableTest, NoServerExits6WithAClearMessage) {
  std::string url = "http://127.0.0.1:" + std::to_string(FreeTcpPort());
  ProgramResult r = RunCli({"meters", "list", "--server", url});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_THAT(r.err, HasSubstr("cannot connect to " + url));
  EXPECT_THAT(r.err, HasSubstr("metrify serve"));
}

TEST(CliUnreachableTest, BadServerUrlIsAUsageError) {
  ProgramResult r = RunCli({"meters", "list", "--server", "127.0.0.1:8000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("http://"));
}

TEST(CliUsageTest, MissingArgumentExits2) {
  ProgramResult r = RunCli({"meters", "get"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("id"));
}

TEST(CliUsageTest, UnknownSubcommandExits2) {
  ProgramResult r = RunCli({"meters", "frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(CliUsageTest, UnknownFlagExits2) {
  ProgramResult r = RunCli({"meters", "list", "--colour", "red"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--colour"));
}

TEST(CliUsageTest, FlagValueOutOfRangeExits2) {
  ProgramResult r = RunCli({"meters", "list", "--page-size", "5000"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--page-size"));
}

TEST(CliUsageTest, NoCommandExits2) {
  ProgramResult r = RunCli({});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(CliServeTest, PortInUseFailsNamingTheAddress) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  std::string address = "127.0.0.1:" + std::to_string(holder.local_endpoint().port());
  TempDir dir;
  ProgramResult r = RunCli({"serve", "--listen", address, "--data-dir", dir.path() + "/data"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, -1) << "serve must give up, not hang";
  EXPECT_THAT(r.err, HasSubstr(address));
  EXPECT_THAT(r.err, HasSubstr("in use"));
}

TEST(CliServeTest, BadConfigurationExits2WithoutServing) {
  TempDir dir;
  ProgramResult r = RunCli({"serve", "--listen", "127.0.0.1:" + std::to_string(FreeTcpPort()),
                            "--data-dir", dir.path() + "/data"},
                           {{"METRIFY_SERVER_THREADS", "many"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("server.threads"));
}

TEST(CliServeTest, ABadVeeRulesFileExits2NamingItsProblems) {
  TempDir dir;
  const std::string rules = dir.WriteFile("rules.yaml", "defaults:\n  spike:\n    factor: abc\n");
  ProgramResult r = RunCli({"serve", "--listen", "127.0.0.1:" + std::to_string(FreeTcpPort()),
                            "--data-dir", dir.path() + "/data"},
                           {{"METRIFY_VEE_RULES_FILE", rules}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("rules.yaml line 3"));
  EXPECT_THAT(r.err, HasSubstr("spike.factor"));
}

TEST(CliServeTest, BadListenAddressExits2) {
  TempDir dir;
  ProgramResult r = RunCli({"serve", "--listen", "localhost", "--data-dir", dir.path() + "/data"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("server.listen"));
}

}  // namespace
}  // namespace metrify::test
