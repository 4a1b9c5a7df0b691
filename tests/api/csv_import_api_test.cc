// CSV import through POST {resource}/import on the real server, with the
// scenario files in tests/data/registry/: the seed data's shape and column
// aliases, bad rows reported by line while good rows are imported, unknown
// columns kept in metadata, upsert, and semicolon-separated files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadDataFile(std::string_view name) {
  std::ifstream in(DataFile(name), std::ios::binary);
  EXPECT_TRUE(in) << "missing " << DataFile(name);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// "line:id:field:code" for each error of an import report.
std::vector<std::string> ReportErrors(const JsonDoc& report) {
  std::vector<std::string> out;
  size_t n = report.Size("/errors");
  for (size_t i = 0; i < n; ++i) {
    std::string at = "/errors/" + std::to_string(i);
    std::string id = report.Has(at + "/id") ? report.String(at + "/id") : "";
    std::string field = report.Has(at + "/field") ? report.String(at + "/field") : "";
    out.push_back(std::to_string(report.Int(at + "/line")) + ":" + id + ":" + field + ":" +
                  report.String(at + "/code"));
    EXPECT_FALSE(report.String(at + "/message").empty()) << at;
  }
  return out;
}

class ApiCsvImportTest : public FreshServerTest {
 protected:
  // Imports a file from tests/data/registry/ and returns the report.
  JsonDoc Import(std::string_view base, std::string_view file, std::string_view query = "") {
    TestResponse r = Post(std::string(base) + "/import" + std::string(query),
                          ReadDataFile("registry/" + std::string(file)), "text/csv");
    EXPECT_EQ(r.status, 200) << file << ": " << r.body;
    return JsonDoc(r.body);
  }
  JsonDoc Meter(std::string_view id) {
    TestResponse r = Get(ItemPath(kMeters, id));
    EXPECT_EQ(r.status, 200) << id << ": " << r.body;
    return JsonDoc(r.body);
  }
};

TEST_F(ApiCsvImportTest, SeedShapedFileImportsEveryRow) {
  JsonDoc report = Import(kMeters, "import_seed_meters.csv");
  EXPECT_EQ(report.Int("/rows"), 5);
  EXPECT_EQ(report.Int("/created"), 5);
  EXPECT_EQ(report.Int("/updated"), 0);
  EXPECT_EQ(report.Int("/rejected"), 0);
  EXPECT_THAT(ReportErrors(report), IsEmpty());
}

TEST_F(ApiCsvImportTest, SeedColumnsLandInTheirFieldsThroughAliases) {
  Import(kMeters, "import_seed_meters.csv");
  JsonDoc m = Meter("SEED001");
  EXPECT_EQ(m.Number("/latitude"), 52.5163);
  EXPECT_EQ(m.Number("/longitude"), 13.3777);
  EXPECT_EQ(m.String("/address"), "Pariser Platz 1, Berlin");  // quoted comma
  EXPECT_EQ(m.String("/manufacturer"), "Landis+Gyr");
  EXPECT_EQ(m.String("/model"), "E450");
  EXPECT_EQ(m.String("/installation_date"), "2021-03-04");
  EXPECT_EQ(m.String("/status"), "ACTIVE");       // "active" canonicalised
  EXPECT_EQ(m.String("/firmware"), "2.1.4");      // firmware_version
  EXPECT_EQ(m.String("/type"), "electricity");    // meter_type
  EXPECT_EQ(m.String("/tariff"), "time_of_use");  // tariff_type
  EXPECT_EQ(Meter("SEED004").String("/type"), "gas");
  EXPECT_EQ(Meter("SEED005").String("/status"), "INACTIVE");
}

TEST_F(ApiCsvImportTest, QualityTierLandsInMetadata) {
  Import(kMeters, "import_seed_meters.csv");
  EXPECT_EQ(Meter("SEED001").Raw("/metadata"), R"({"quality_tier":"EXCELLENT"})");
  EXPECT_EQ(Meter("SEED003").Raw("/metadata"), R"({"quality_tier":"FAIR"})");
}

TEST_F(ApiCsvImportTest, ImportedMetersGetTheirNearestStation) {
  JsonDoc stations = Import(kStations, "import_stations.csv");
  ASSERT_EQ(stations.Int("/created"), 3) << stations.text();
  JsonDoc hamburg(Get(ItemPath(kStations, "IMPWS02")).body);
  EXPECT_EQ(hamburg.String("/name"), "Hamburg-Fuhlsbüttel");  // station_name
  EXPECT_EQ(hamburg.Number("/elevation_m"), 11);              // elevation
  EXPECT_EQ(hamburg.Number("/latitude"), 53.6332);            // lat
  Import(kMeters, "import_seed_meters.csv");
  EXPECT_EQ(Meter("SEED001").String("/weather_station_id"), "IMPWS01");
  EXPECT_EQ(Meter("SEED002").String("/weather_station_id"), "IMPWS02");
  EXPECT_EQ(Meter("SEED003").String("/weather_station_id"), "IMPWS03");
}

TEST_F(ApiCsvImportTest, BadRowsAreReportedByLineAndGoodRowsImported) {
  JsonDoc report = Import(kMeters, "import_bad_rows_meters.csv");
  EXPECT_EQ(report.Int("/rows"), 9);
  EXPECT_EQ(report.Int("/created"), 3);
  EXPECT_EQ(report.Int("/rejected"), 6);
  // Line 6 is blank; the row of line 8 spans two lines (a quoted newline).
  EXPECT_THAT(ReportErrors(report),
              ElementsAre("3:BADROWS02:latitude:out_of_range", "4:BADROWS03:status:invalid_choice",
                          "5:BADROWS04::wrong_column_count", "7:BADROWS01::already_exists",
                          "10:BADROWS06:latitude:wrong_type",
                          "11:BADROWS07:installation_date:invalid_date"));
}

TEST_F(ApiCsvImportTest, GoodRowsAroundBadOnesAreStoredAsGiven) {
  Import(kMeters, "import_bad_rows_meters.csv");
  EXPECT_EQ(Meter("BADROWS01").String("/address"), "Pariser Platz 1 Berlin");  // not line 7's
  EXPECT_EQ(Meter("BADROWS05").String("/address"), "Markt 1\nHinterhaus, Leipzig");
  EXPECT_EQ(Meter("BADROWS08").String("/status"), "ACTIVE");
  for (std::string id : {"BADROWS02", "BADROWS03", "BADROWS04", "BADROWS06", "BADROWS07"}) {
    EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, id)), 404, "not_found")) << id;
  }
}

TEST_F(ApiCsvImportTest, SemicolonSeparatedFileImports) {
  JsonDoc report = Import(kMeters, "import_semicolon_meters.csv");
  EXPECT_EQ(report.Int("/created"), 2) << report.text();
  EXPECT_THAT(ReportErrors(report), IsEmpty());
  JsonDoc berlin = Meter("SEMI001");
  EXPECT_EQ(berlin.String("/address"), "Unter den Linden 1, Berlin");
  EXPECT_EQ(berlin.Number("/latitude"), 52.52);
  EXPECT_EQ(berlin.Raw("/metadata"), R"({"quality_tier":"GOOD"})");
  JsonDoc munich = Meter("SEMI002");
  EXPECT_EQ(munich.String("/type"), "gas");
  EXPECT_EQ(munich.String("/tariff"), "time_of_use");
  EXPECT_EQ(munich.String("/status"), "PENDING");
}

TEST_F(ApiCsvImportTest, ExistingIdsAreRejectedWithoutUpsert) {
  ASSERT_EQ(Import(kMeters, "import_upsert_meters.csv").Int("/created"), 3);
  for (std::string_view query : {"", "?upsert=false"}) {
    JsonDoc again = Import(kMeters, "import_upsert_meters.csv", query);
    EXPECT_EQ(again.Int("/created"), 0);
    EXPECT_EQ(again.Int("/updated"), 0);
    EXPECT_EQ(again.Int("/rejected"), 3);
    EXPECT_THAT(ReportErrors(again),
                ElementsAre("2:UPS001::already_exists", "3:UPS002::already_exists",
                            "4:UPS003::already_exists"));
  }
}

TEST_F(ApiCsvImportTest, UpsertReplacesExistingRowsAndCreatesNewOnes) {
  ASSERT_EQ(
      Post(kMeters, R"({"id":"UPS001","status":"ACTIVE","manufacturer":"Old","city":"Altstadt"})")
          .status,
      201);
  JsonDoc report = Import(kMeters, "import_upsert_meters.csv", "?upsert=true");
  EXPECT_EQ(report.Int("/rows"), 3);
  EXPECT_EQ(report.Int("/created"), 2);
  EXPECT_EQ(report.Int("/updated"), 1);
  EXPECT_EQ(report.Int("/rejected"), 0);
  JsonDoc replaced = Meter("UPS001");
  EXPECT_EQ(replaced.String("/status"), "INACTIVE");
  EXPECT_EQ(replaced.String("/manufacturer"), "EMH");
  EXPECT_TRUE(replaced.IsNull("/city")) << "upsert replaces the whole meter, like PUT";
  EXPECT_EQ(replaced.Raw("/metadata"), R"({"quality_tier":"SILVER"})");
  EXPECT_EQ(Meter("UPS002").String("/status"), "FAULTY");

  JsonDoc again = Import(kMeters, "import_upsert_meters.csv", "?upsert=true");
  EXPECT_EQ(again.Int("/updated"), 3);
  EXPECT_EQ(again.Int("/created"), 0);
}

TEST_F(ApiCsvImportTest, OperatorsImportThroughTheirAliases) {
  JsonDoc report = Import(kOperators, "import_operators.csv");
  EXPECT_EQ(report.Int("/created"), 2) << report.text();
  JsonDoc tso(Get(ItemPath(kOperators, "IMPOP01")).body);
  EXPECT_EQ(tso.String("/name"), "50Hertz Transmission");
  EXPECT_EQ(tso.String("/type"), "TSO");
  EXPECT_EQ(tso.Number("/capacity_mw"), 16000);
  JsonDoc dso(Get(ItemPath(kOperators, "IMPOP02")).body);
  EXPECT_EQ(dso.String("/type"), "DSO");
  EXPECT_TRUE(dso.IsNull("/capacity_mw")) << "an empty cell is no value";
}

TEST_F(ApiCsvImportTest, ErrorListIsCappedButRejectedCountsEveryRow) {
  constexpr int kBadRows = 1005;  // the report lists at most 1000 errors
  std::string csv = "id,status\n";
  for (int i = 0; i < kBadRows; ++i) csv += "CAP" + std::to_string(i) + ",broken\n";
  TestResponse r = Post(std::string(kMeters) + "/import", csv, "text/csv");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  JsonDoc report(r.body);
  EXPECT_EQ(report.Int("/rows"), kBadRows);
  EXPECT_EQ(report.Int("/rejected"), kBadRows);
  EXPECT_EQ(report.Size("/errors"), 1000u);
  EXPECT_EQ(report.Int("/errors/999/line"), 1001);
}

TEST_F(ApiCsvImportTest, HeaderOnlyFileImportsNothing) {
  TestResponse r = Post(std::string(kMeters) + "/import", "meter_id,status\n", "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonDoc(r.body).Int("/rows"), 0);
}

TEST_F(ApiCsvImportTest, EmptyFileAnswers422) {
  EXPECT_TRUE(
      IsApiError(Post(std::string(kMeters) + "/import", "", "text/csv"), 422, "validation_failed"));
}

TEST_F(ApiCsvImportTest, UnclosedQuoteIsReportedWithItsLine) {
  TestResponse r = Post(std::string(kMeters) + "/import",
                        "id,address\nQUOTE1,fine\nQUOTE2,\"never closed\nQUOTE3,x\n", "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc report(r.body);
  EXPECT_EQ(report.Int("/created"), 1);
  EXPECT_EQ(report.Int("/rejected"), 1);
  EXPECT_THAT(ReportErrors(report), ElementsAre(::testing::StartsWith("3:")));
  EXPECT_EQ(report.String("/errors/0/code"), "malformed_csv");
}

}  // namespace
}  // namespace metrify::test
