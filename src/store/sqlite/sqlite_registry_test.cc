#include "store/sqlite/sqlite_registry.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "registry/registry.h"
#include "store/sqlite/migrations.h"

namespace metrify::store {
namespace {

using model::FieldValues;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/metrify-registry-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    registry_.reset();
    store_.reset();
    auto opened = SqliteRegistry::Open(dir_.path() + "/data");
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(opened).value();
    registry_ = std::make_unique<registry::Registry>(*store_);
  }
  model::Meter CreateMeter(const std::string& id, FieldValues extra = {}) {
    extra.emplace_back("id", id);
    auto created = registry_->Create<model::Meter>(extra);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created.has_value() ? *created : model::Meter{};
  }

  TempDir dir_;
  std::unique_ptr<SqliteRegistry> store_;
  std::unique_ptr<registry::Registry> registry_;
};

TEST_F(RegistryTest, CreatedMeterReadsBackAfterReopen) {
  CreateMeter("SM000001", {{"city", std::string("Köln")},
                           {"latitude", 50.94},
                           {"longitude", 6.96},
                           {"metadata", model::JsonText{R"({"tier":"GOOD"})"}}});
  Reopen();
  auto meter = registry_->Get<model::Meter>("SM000001");
  ASSERT_TRUE(meter.has_value());
  EXPECT_EQ(meter->city, "Köln");
  EXPECT_EQ(meter->latitude, 50.94);
  EXPECT_EQ(meter->metadata, R"({"tier":"GOOD"})");
  EXPECT_GT(meter->created_at, 0);
  EXPECT_EQ(meter->created_at, meter->updated_at);
}

TEST_F(RegistryTest, DuplicateIdIsAlreadyExists) {
  CreateMeter("SM1");
  auto again = registry_->Create<model::Meter>({{"id", std::string("SM1")}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("SM1"), std::string::npos);
}

TEST_F(RegistryTest, UnknownReferenceIsRefusedNamingTheField) {
  auto meter = registry_->Create<model::Meter>(
      {{"id", std::string("SM1")}, {"grid_operator_id", std::string("NOPE")}});
  ASSERT_FALSE(meter.has_value());
  EXPECT_EQ(meter.error().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(meter.error().details().size(), 1u);
  EXPECT_EQ(meter.error().details()[0].field, "grid_operator_id");
  EXPECT_EQ(meter.error().details()[0].code, "unknown_reference");
}

TEST_F(RegistryTest, ReferencedOperatorCannotBeDeleted) {
  ASSERT_TRUE(registry_
                  ->Create<model::GridOperator>(
                      {{"id", std::string("TENNET")}, {"name", std::string("TenneT")}})
                  .has_value());
  CreateMeter("SM1", {{"grid_operator_id", std::string("TENNET")}});
  Status status = registry_->Delete<model::GridOperator>("TENNET");
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  ASSERT_TRUE(
      registry_->Patch<model::Meter>("SM1", {{"grid_operator_id", std::monostate()}}).has_value());
  EXPECT_TRUE(registry_->Delete<model::GridOperator>("TENNET").ok());
  EXPECT_EQ(registry_->Delete<model::GridOperator>("TENNET").code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, MeterGetsTheNearestActiveWeatherStation) {
  auto station = [&](const char* id, double lat, double lon, const char* status) {
    ASSERT_TRUE(registry_
                    ->Create<model::WeatherStation>({{"id", std::string(id)},
                                                     {"name", std::string(id)},
                                                     {"latitude", lat},
                                                     {"longitude", lon},
                                                     {"status", std::string(status)}})
                    .has_value());
  };
  station("HAMBURG", 53.55, 9.99, "ACTIVE");
  station("MUNICH", 48.14, 11.58, "ACTIVE");
  station("POTSDAM", 52.39, 13.06, "OFFLINE");
  // Berlin: Potsdam is nearest but offline, so Hamburg (255 km) beats Munich (504 km).
  model::Meter m = CreateMeter("SM1", {{"latitude", 52.52}, {"longitude", 13.40}});
  EXPECT_EQ(m.weather_station_id, "HAMBURG");
  model::Meter given = CreateMeter(
      "SM2",
      {{"latitude", 52.52}, {"longitude", 13.40}, {"weather_station_id", std::string("MUNICH")}});
  EXPECT_EQ(given.weather_station_id, "MUNICH");
}

TEST_F(RegistryTest, ListFiltersCaseInsensitivelyAndPages) {
  for (int i = 0; i < 25; ++i) {
    CreateMeter("SM" + std::to_string(100 + i),
                {{"city", std::string(i % 2 ? "Berlin" : "Hamburg")},
                 {"status", std::string(i < 5 ? "FAULTY" : "ACTIVE")}});
  }
  ListQuery query;
  query.filters = {{"city", std::string("berlin")}, {"status", std::string("ACTIVE")}};
  query.page_size = 5;
  query.page = 2;
  auto page = registry_->List<model::Meter>(query);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_count, 10);  // odd i from 5..24
  ASSERT_EQ(page->items.size(), 5u);
  EXPECT_EQ(page->items.front().id, "SM115");  // ordered by id; page 2 starts at the 6th
}

TEST_F(RegistryTest, ReplaceResetsUnsetFieldsAndKeepsCreatedAt) {
  model::Meter before = CreateMeter(
      "SM1", {{"city", std::string("Berlin")}, {"manufacturer", std::string("Landis+Gyr")}});
  auto replaced = registry_->Replace<model::Meter>("SM1", {{"city", std::string("Bonn")}});
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(replaced->city, "Bonn");
  EXPECT_EQ(replaced->manufacturer, "");
  EXPECT_EQ(replaced->created_at, before.created_at);
  EXPECT_GE(replaced->updated_at, before.updated_at);
}

TEST_F(RegistryTest, FailedPatchLeavesTheStoredEntityUnchanged) {
  CreateMeter("SM1", {{"city", std::string("Berlin")}});
  auto patched =
      registry_->Patch<model::Meter>("SM1", {{"city", std::string("Bonn")}, {"latitude", 123.0}});
  ASSERT_FALSE(patched.has_value());
  EXPECT_EQ(registry_->Get<model::Meter>("SM1")->city, "Berlin");
}

TEST_F(RegistryTest, EveryFieldHasAColumn) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/data/registry.db").c_str(), &db), SQLITE_OK);
  auto columns = [&](const char* table) {
    std::set<std::string> names;
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, (std::string("PRAGMA table_info(") + table + ")").c_str(), -1, &stmt,
                       nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      names.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
    }
    sqlite3_finalize(stmt);
    return names;
  };
  auto meters = columns("meters");
  for (const auto& f : model::MeterFields()) EXPECT_TRUE(meters.count(f.name)) << f.name;
  auto operators = columns("grid_operators");
  for (const auto& f : model::GridOperatorFields()) EXPECT_TRUE(operators.count(f.name)) << f.name;
  auto stations = columns("weather_stations");
  for (const auto& f : model::WeatherStationFields()) EXPECT_TRUE(stations.count(f.name)) << f.name;
  sqlite3_close(db);
}

TEST_F(RegistryTest, MigrationsRunOnceAndANewerSchemaIsRefused) {
  EXPECT_EQ(store_->SchemaVersion(), RegistryMigrations().back().version);
  Reopen();  // applying again is a no-op
  EXPECT_EQ(store_->SchemaVersion(), RegistryMigrations().back().version);
  store_.reset();
  registry_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/data/registry.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES(999, 'from the future', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteRegistry::Open(dir_.path() + "/data");
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message().find("999"), std::string::npos);
}

TEST_F(RegistryTest, MigrationFailureIsRolledBackAndNamed) {
  auto db = SqliteDb::Open(dir_.path() + "/scratch.db");
  ASSERT_TRUE(db.has_value());
  std::vector<Migration> migrations = {
      {1, "good", "CREATE TABLE a(x INTEGER);"},
      {2, "broken", "CREATE TABLE b(y INTEGER); CREATE TABLE a(x INTEGER);"}};
  auto applied = ApplyMigrations(**db, migrations);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message().find("migration 2 (broken)"), std::string::npos);
  auto stmt = (*db)->Prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'");
  ASSERT_TRUE(stmt.has_value());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt(0), 0) << "table b of the failed migration was rolled back";
}

TEST_F(RegistryTest, KeysAreDenseStableAndNeverReused) {
  CreateMeter("SM1");
  CreateMeter("SM2");
  auto k1 = store_->meters().KeyOf("SM1");
  auto k2 = store_->meters().KeyOf("SM2");
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  EXPECT_EQ(*k2, *k1 + 1);
  ASSERT_TRUE(registry_->Delete<model::Meter>("SM2").ok());
  CreateMeter("SM3");
  auto k3 = store_->meters().KeyOf("SM3");
  ASSERT_TRUE(k3.has_value());
  EXPECT_GT(*k3, *k2) << "a deleted meter's key must not carry its readings to a new meter";
  Reopen();
  EXPECT_EQ(*store_->meters().KeyOf("SM1"), *k1);
  auto all = store_->meters().AllKeys();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, (std::vector<std::pair<std::string, uint32_t>>{{"SM1", *k1}, {"SM3", *k3}}));
  EXPECT_EQ(store_->meters().KeyOf("SM2").error().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, CorruptRowIsReportedAsCorruption) {
  CreateMeter("SM1");
  store_.reset();
  registry_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/data/registry.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "UPDATE meters SET status = 'EXPLODED'", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  Reopen();
  auto meter = registry_->Get<model::Meter>("SM1");
  ASSERT_FALSE(meter.has_value());
  EXPECT_EQ(meter.error().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace metrify::store
