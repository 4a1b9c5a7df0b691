#include "registry/csv_import.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "store/sqlite/sqlite_registry.h"

namespace metrify::registry {
namespace {

class CsvImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/metrify-import-XXXXXX";
    dir_ = mkdtemp(pattern);
    auto opened = store::SqliteRegistry::Open(dir_);
    ASSERT_TRUE(opened.has_value());
    store_ = std::move(opened).value();
    registry_ = std::make_unique<Registry>(*store_);
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<store::SqliteRegistry> store_;
  std::unique_ptr<Registry> registry_;
};

constexpr std::string_view kSeedShape =
    "meter_id,latitude,longitude,address,manufacturer,model,installation_date,status,"
    "quality_tier,firmware_version,meter_type,tariff_type\n"
    "SM000001,52.52,13.40,Unter den Linden 1,Landis+Gyr,E450,2021-03-04,active,EXCELLENT,"
    "1.2.3,electricity,time_of_use\n"
    "SM000002,152.52,13.40,Somewhere,Itron,ACE,2021-03-04,active,GOOD,1.0,electricity,standard\n"
    "SM000003,48.1,11.6,Marienplatz,EMH,eHZ,2020-01-01,sleeping,FAIR,2.0,electricity,standard\n"
    "SM000004,48.1\n"
    "SM000001,52.52,13.40,Dup,Landis+Gyr,E450,2021-03-04,active,GOOD,1.2.3,electricity,standard\n"
    "SM000005,53.55,9.99,Jungfernstieg,EMH,eHZ,,MAINTENANCE,,,gas,\n";

TEST_F(CsvImportTest, SeedShapeImportsGoodRowsAndReportsBadOnesByLine) {
  auto report = ImportCsv<model::Meter>(*registry_, kSeedShape, {});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->rows, 6);
  EXPECT_EQ(report->created, 2);
  EXPECT_EQ(report->rejected, 4);
  ASSERT_EQ(report->errors.size(), 4u);
  EXPECT_EQ(report->errors[0].line, 3);
  EXPECT_EQ(report->errors[0].field, "latitude");
  EXPECT_EQ(report->errors[0].id, "SM000002");
  EXPECT_EQ(report->errors[1].line, 4);
  EXPECT_EQ(report->errors[1].field, "status");
  EXPECT_EQ(report->errors[2].line, 5);
  EXPECT_EQ(report->errors[2].code, "wrong_column_count");
  EXPECT_EQ(report->errors[3].line, 6);
  EXPECT_EQ(report->errors[3].code, "already_exists");

  auto meter = registry_->Get<model::Meter>("SM000001");
  ASSERT_TRUE(meter.has_value());
  EXPECT_EQ(meter->status, model::MeterStatus::kActive);
  EXPECT_EQ(meter->tariff, model::Tariff::kTimeOfUse);
  EXPECT_EQ(meter->firmware, "1.2.3");
  EXPECT_EQ(meter->address, "Unter den Linden 1") << "the duplicate row did not overwrite";
  EXPECT_EQ(meter->metadata, R"({"quality_tier":"EXCELLENT"})");
  EXPECT_EQ(registry_->Get<model::Meter>("SM000005")->type, model::MeterType::kGas);
}

TEST_F(CsvImportTest, UpsertReplacesExistingRows) {
  ASSERT_TRUE(ImportCsv<model::Meter>(*registry_, "id,city\nSM1,Berlin\n", {}).has_value());
  auto report =
      ImportCsv<model::Meter>(*registry_, "id,city\nSM1,Bonn\nSM2,Ulm\n", {.upsert = true});
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->created, 1);
  EXPECT_EQ(report->updated, 1);
  EXPECT_EQ(registry_->Get<model::Meter>("SM1")->city, "Bonn");
}

TEST_F(CsvImportTest, HeaderWithoutIdIsRefusedAsAWhole) {
  auto report = ImportCsv<model::Meter>(*registry_, "city\nBerlin\n", {});
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(report.error().message().find("id column"), std::string::npos);
}

TEST_F(CsvImportTest, ColumnNamingAFieldTwiceIsRefused) {
  auto report = ImportCsv<model::Meter>(*registry_, "id,meter_id\nA,B\n", {});
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(report.error().message().find("twice"), std::string::npos);
}

TEST_F(CsvImportTest, OperatorsAndStationsImportWithTheirAliases) {
  auto ops = ImportCsv<model::GridOperator>(
      *registry_, "operator_id,operator_name,operator_type\nTENNET,TenneT TSO,tso\n", {});
  ASSERT_TRUE(ops.has_value());
  EXPECT_EQ(ops->created, 1);
  auto stations = ImportCsv<model::WeatherStation>(
      *registry_, "station_id;station_name;lat;lon;elevation\nWS1;Potsdam;52.38;13.06;81\n", {});
  ASSERT_TRUE(stations.has_value());
  EXPECT_EQ(stations->created, 1);
  EXPECT_EQ(registry_->Get<model::WeatherStation>("WS1")->elevation_m, 81.0);
}

}  // namespace
}  // namespace metrify::registry
