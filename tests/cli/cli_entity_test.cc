// `metrify meters|operators|stations ...` against a real server: add, get,
// list, update, delete and import, with human and --json output, checked
// both on what the CLI prints and on what the server stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class CliEntityTest : public FreshServerTest {
 protected:
  // Runs `metrify args... --server URL`.
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
};

TEST_F(CliEntityTest, AddPrintsTheStoredMeter) {
  ProgramResult r = Cli({"meters", "add", "--id", "CLI-ADD-1", "--status", "active", "--city",
                         "Clistadt", "--latitude", "52.5", "--longitude", "13.4",
                         "--register-digits", "8", "--metadata", R"({"floor":2})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("id: CLI-ADD-1\n"));
  EXPECT_THAT(r.out, HasSubstr("status: ACTIVE\n"));
  EXPECT_THAT(r.out, HasSubstr("city: Clistadt\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("manufacturer:"))) << "unset fields are not printed";
  JsonDoc stored(Get(ItemPath(kMeters, "CLI-ADD-1")).body);
  EXPECT_EQ(stored.String("/status"), "ACTIVE");
  EXPECT_EQ(stored.Number("/latitude"), 52.5);
  EXPECT_EQ(stored.Int("/register_digits"), 8);
  EXPECT_EQ(stored.Raw("/metadata"), R"({"floor":2})");
}

TEST_F(CliEntityTest, AddJsonPrintsTheServersJson) {
  ProgramResult r = Cli({"meters", "add", "--id", "CLI-ADD-2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc printed(r.out);
  ASSERT_TRUE(printed.ok()) << r.out;
  EXPECT_EQ(printed.String("/id"), "CLI-ADD-2");
  EXPECT_EQ(r.out, Get(ItemPath(kMeters, "CLI-ADD-2")).body + "\n");
}

TEST_F(CliEntityTest, GetPrintsFieldsOrJson) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-GET-1","manufacturer":"EMH","type":"gas"})").status, 201);
  ProgramResult human = Cli({"meters", "get", "CLI-GET-1"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("manufacturer: EMH\n"));
  EXPECT_THAT(human.out, HasSubstr("type: gas\n"));
  ProgramResult json = Cli({"meters", "get", "CLI-GET-1", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(JsonDoc(json.out).String("/manufacturer"), "EMH");
}

TEST_F(CliEntityTest, ListPrintsATableAndTheCount) {
  for (std::string id : {"CLI-LIST-2", "CLI-LIST-1"}) {
    ASSERT_EQ(Post(kMeters, R"({"id":")" + id + R"(","city":"Listenau","status":"ACTIVE"})").status,
              201);
  }
  ProgramResult r = Cli({"meters", "list", "--city", "Listenau"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("ID +TYPE +STATUS +CITY"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("CLI-LIST-1 +electricity +ACTIVE +Listenau"));
  EXPECT_LT(r.out.find("CLI-LIST-1"), r.out.find("CLI-LIST-2"));
  EXPECT_THAT(r.out, HasSubstr("2 of 2 meters"));
}

// Display columns of text up to `byte_pos`: UTF-8 continuation bytes take none.
size_t DisplayColumn(std::string_view line, size_t byte_pos) {
  size_t column = 0;
  for (size_t i = 0; i < byte_pos && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

TEST_F(CliEntityTest, ListAlignsColumnsForCitiesWithUmlauts) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-UML-1","city":"München","status":"ACTIVE"})").status, 201);
  ProgramResult r = Cli({"meters", "list", "--city", "München"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string header = r.out.substr(0, r.out.find('\n'));
  size_t row_start = r.out.find("CLI-UML-1");
  ASSERT_NE(row_start, std::string::npos) << r.out;
  std::string row = r.out.substr(row_start, r.out.find('\n', row_start) - row_start);
  // The cell after the city ("-": no grid operator) starts under its header.
  size_t header_at = header.find("GRID_OPERATOR_ID");
  size_t cell_at = row.find("  -", row.find("München")) + 2;
  EXPECT_EQ(DisplayColumn(row, cell_at), DisplayColumn(header, header_at)) << r.out;
}

TEST_F(CliEntityTest, ListFiltersAndJson) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-LF-1","city":"Filterau","status":"ACTIVE"})").status, 201);
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-LF-2","city":"Filterau","status":"FAULTY"})").status, 201);
  ProgramResult r = Cli({"meters", "list", "--city", "Filterau", "--status", "faulty", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc page(r.out);
  EXPECT_THAT(page.Strings("/items", "id"), ElementsAre("CLI-LF-2"));
  EXPECT_EQ(page.Int("/total_count"), 1);
}

TEST_F(CliEntityTest, ListAllFetchesEveryPage) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(
        Post(kMeters, R"({"id":"CLI-ALL-)" + std::to_string(i) + R"(","city":"Allheim"})").status,
        201);
  }
  ProgramResult human = Cli({"meters", "list", "--city", "Allheim", "--page-size", "2", "--all"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("5 of 5 meters"));
  ProgramResult json =
      Cli({"meters", "list", "--city", "Allheim", "--page-size", "2", "--all", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  JsonDoc items(json.out);
  ASSERT_TRUE(items.ok()) << json.out;
  EXPECT_EQ(items.Size(""), 5u);
}

TEST_F(CliEntityTest, UpdateChangesOnlyTheGivenFields) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-UPD-1","manufacturer":"EMH","city":"Altdorf"})").status,
            201);
  ProgramResult r =
      Cli({"meters", "update", "CLI-UPD-1", "--status", "faulty", "--city", "Neudorf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("status: FAULTY\n"));
  JsonDoc stored(Get(ItemPath(kMeters, "CLI-UPD-1")).body);
  EXPECT_EQ(stored.String("/city"), "Neudorf");
  EXPECT_EQ(stored.String("/manufacturer"), "EMH");
}

TEST_F(CliEntityTest, UpdateWithoutFieldsIsAUsageError) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-UPD-2"})").status, 201);
  ProgramResult r = Cli({"meters", "update", "CLI-UPD-2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("field"));
}

TEST_F(CliEntityTest, DeleteRemovesTheMeter) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-DEL-1"})").status, 201);
  ProgramResult r = Cli({"meters", "delete", "CLI-DEL-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("deleted meter CLI-DEL-1"));
  EXPECT_EQ(Get(ItemPath(kMeters, "CLI-DEL-1")).status, 404);
  EXPECT_EQ(Cli({"meters", "get", "CLI-DEL-1"}).exit_code, 3);
}

TEST_F(CliEntityTest, ImportPrintsTheSummary) {
  ProgramResult r = Cli({"meters", "import", DataFile("registry/import_seed_meters.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 rows, 5 created, 0 updated, 0 rejected"));
  EXPECT_EQ(JsonDoc(Get(ItemPath(kMeters, "SEED003")).body).Raw("/metadata"),
            R"({"quality_tier":"FAIR"})");
}

TEST_F(CliEntityTest, ImportWithBadRowsExits1AndPrintsTheirLines) {
  ProgramResult r = Cli({"meters", "import", DataFile("registry/import_bad_rows_meters.csv")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("9 rows, 3 created, 0 updated, 6 rejected"));
  for (std::string_view line :
       {"line 3 (BADROWS02)", "line 4 (BADROWS03)", "line 5", "line 7 (BADROWS01)",
        "line 10 (BADROWS06)", "line 11 (BADROWS07)"}) {
    EXPECT_THAT(r.out, HasSubstr(line));
  }
  EXPECT_THAT(r.out, ::testing::ContainsRegex("line 3 \\(BADROWS02\\): latitude must be between"));
  EXPECT_EQ(Get(ItemPath(kMeters, "BADROWS08")).status, 200) << "good rows are imported";
}

TEST_F(CliEntityTest, ImportJsonPrintsTheReportAndStillExits1) {
  ProgramResult r =
      Cli({"meters", "import", DataFile("registry/import_bad_rows_meters.csv"), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  JsonDoc report(r.out);
  ASSERT_TRUE(report.ok()) << r.out;
  EXPECT_EQ(report.Int("/rejected"), 6);
  EXPECT_EQ(report.Int("/errors/0/line"), 3);
}

TEST_F(CliEntityTest, ImportUpsertUpdatesExistingMeters) {
  ASSERT_EQ(Cli({"meters", "import", DataFile("registry/import_upsert_meters.csv")}).exit_code, 0);
  EXPECT_EQ(Cli({"meters", "import", DataFile("registry/import_upsert_meters.csv")}).exit_code, 1);
  ProgramResult r =
      Cli({"meters", "import", DataFile("registry/import_upsert_meters.csv"), "--upsert"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 rows, 0 created, 3 updated, 0 rejected"));
}

TEST_F(CliEntityTest, ImportOfAMissingFileIsAUsageError) {
  ProgramResult r = Cli({"meters", "import", "/nonexistent/meters.csv"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/meters.csv"));
}

TEST_F(CliEntityTest, OperatorsAndStationsCommandsWork) {
  ProgramResult op =
      Cli({"operators", "add", "--id", "CLI-OP-1", "--name", "Westnetz", "--type", "dso"});
  ASSERT_EQ(op.exit_code, 0) << op.err;
  EXPECT_THAT(op.out, HasSubstr("type: DSO\n"));
  ProgramResult ws = Cli({"stations", "add", "--id", "CLI-WS-1", "--name", "Essen", "--latitude",
                          "51.4", "--longitude", "6.97", "--json"});
  ASSERT_EQ(ws.exit_code, 0) << ws.err;
  EXPECT_EQ(JsonDoc(ws.out).String("/provider"), "DWD");
  ProgramResult list = Cli({"operators", "list", "--type", "DSO"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("CLI-OP-1"));
  EXPECT_THAT(Cli({"stations", "get", "CLI-WS-1"}).out, HasSubstr("name: Essen\n"));
  ProgramResult imported = Cli({"stations", "import", DataFile("registry/import_stations.csv")});
  EXPECT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_EQ(Cli({"operators", "delete", "CLI-OP-1"}).exit_code, 0);
}

TEST_F(CliEntityTest, ServerUrlComesFromMetrifyUrl) {
  ASSERT_EQ(Post(kMeters, R"({"id":"CLI-ENV-1"})").status, 201);
  ProgramResult r = RunCli({"meters", "get", "CLI-ENV-1"}, {{"METRIFY_URL", server().url()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("id: CLI-ENV-1\n"));
}

}  // namespace
}  // namespace metrify::test
