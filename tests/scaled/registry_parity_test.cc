// The registry's behaviour, run unchanged on both RegistryStores: the
// embedded SqliteRegistry (a temporary directory) and scaled mode's
// PgRegistry (a real PostgreSQL 15, a fresh database per test). Same inputs,
// same outputs: results, error codes, messages and details. Cases that only
// one store has (migrations, outages, races) are in sqlite_registry_test.cc
// and pg_registry_test.cc. The transcript test at the end drives both
// stores with the same few hundred random operations and compares every
// outcome, keys included.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "common/time.h"
#include "registry/registry.h"
#include "scaled/pg_registry_fixture.h"
#include "store/postgres/pg_registry.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::store {
namespace {

using model::FieldValues;
using ::testing::ElementsAre;

class SqliteBackend {
 public:
  static void SetUpSuite() {}

  SqliteBackend() {
    char pattern[] = "/tmp/metrify-parity-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  ~SqliteBackend() { std::filesystem::remove_all(dir_); }

  Result<std::unique_ptr<RegistryStore>> Open() {
    METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteRegistry> store,
                             SqliteRegistry::Open(dir_ + "/data"));
    return std::unique_ptr<RegistryStore>(std::move(store));
  }
  static int NewestVersion() { return RegistryMigrations().back().version; }
  // Runs `sql` on the database behind the store's back.
  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/data/registry.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

 private:
  std::string dir_;
};

class PgBackend {
 public:
  // Starts the server on first use; it serves every suite of this file
  // and stops after the last (Stopper below).
  static void SetUpSuite() {
    if (!databases_) databases_ = std::make_unique<test::PgDatabases>();
  }
  static void Stop() { databases_.reset(); }

  PgBackend() : name_("p_" + std::to_string(++count_)), pool_(databases_->Create(name_)) {}

  Result<std::unique_ptr<RegistryStore>> Open() {
    METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<PgRegistry> store, PgRegistry::Open(pool_));
    return std::unique_ptr<RegistryStore>(std::move(store));
  }
  static int NewestVersion() { return PgMigrations().back().version; }
  void Exec(const std::string& sql) { EXPECT_TRUE(databases_->Connect(name_)->Exec(sql).ok()); }

 private:
  static inline std::unique_ptr<test::PgDatabases> databases_;
  static inline int count_ = 0;
  std::string name_;
  PgPool pool_;
};

// Stops PgBackend's server once all tests have run, while gtest still
// reports (the server prints its log's tail when a test failed).
class Stopper : public ::testing::Environment {
 public:
  void TearDown() override { PgBackend::Stop(); }
};
[[maybe_unused]] const ::testing::Environment* const kStopper =
    ::testing::AddGlobalTestEnvironment(new Stopper);

template <typename Backend>
class RegistryParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::SetUpSuite(); }

  void SetUp() override { Reopen(); }
  void Reopen() {
    registry_.reset();
    store_.reset();
    auto opened = backend_.Open();
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
  void CreateOperator(const std::string& id) {
    auto created =
        registry_->Create<model::GridOperator>({{"id", id}, {"name", std::string("Operator")}});
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
  }
  void CreateStation(const std::string& id, double lat, double lon,
                     const std::string& status = "ACTIVE") {
    auto created = registry_->Create<model::WeatherStation>(
        {{"id", id}, {"name", id}, {"latitude", lat}, {"longitude", lon}, {"status", status}});
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
  }
  std::vector<std::string> ListIds(const ListQuery& query, int64_t* total = nullptr) {
    auto page = registry_->List<model::Meter>(query);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    std::vector<std::string> ids;
    if (!page.has_value()) return ids;
    for (const auto& m : page->items) ids.push_back(m.id);
    if (total) *total = page->total_count;
    return ids;
  }

  Backend backend_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<registry::Registry> registry_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Pg";
  }
};
using Backends = ::testing::Types<SqliteBackend, PgBackend>;
TYPED_TEST_SUITE(RegistryParityTest, Backends, BackendNames);

TYPED_TEST(RegistryParityTest, CreatedMeterReadsBackAfterReopen) {
  // Key order, spacing, a duplicate key and number spelling as the client sent them.
  const std::string metadata = R"({"tier":"GOOD", "b":[1, 2.50, 1e2], "a":1, "a":2})";
  this->CreateMeter("SM000001", {{"city", std::string("Köln")},
                                 {"latitude", 50.94},
                                 {"longitude", 6.96},
                                 {"register_digits", int64_t{8}},
                                 {"annual_consumption_kwh", 3512.25},
                                 {"installation_date", std::string("2021-03-04")},
                                 {"metadata", model::JsonText{metadata}}});
  this->Reopen();
  auto meter = this->registry_->template Get<model::Meter>("SM000001");
  ASSERT_TRUE(meter.has_value()) << meter.error().ToString();
  EXPECT_EQ(meter->city, "Köln");
  EXPECT_EQ(meter->latitude, 50.94);
  EXPECT_EQ(meter->register_digits, 8);
  EXPECT_EQ(meter->annual_consumption_kwh, 3512.25);
  EXPECT_EQ(meter->installation_date, "2021-03-04");
  EXPECT_EQ(meter->metadata, metadata);
  EXPECT_EQ(meter->address, "");
  EXPECT_EQ(meter->rated_current_a, std::nullopt);
  EXPECT_GT(meter->created_at, 0);
  EXPECT_EQ(meter->created_at, meter->updated_at);
}

TYPED_TEST(RegistryParityTest, TimestampsAreSetByTheStore) {
  model::GridOperator op;
  op.id = "TENNET";
  op.name = "TenneT";
  op.created_at = op.updated_at = 5;
  const int64_t before = NowMillis();
  ASSERT_TRUE(this->store_->grid_operators().Create(op).ok());
  EXPECT_GE(op.created_at, before);
  EXPECT_LE(op.created_at, NowMillis());
  EXPECT_EQ(op.updated_at, op.created_at);
  model::GridOperator changed = op;
  changed.created_at = 7;
  changed.name = "TenneT TSO";
  ASSERT_TRUE(this->store_->grid_operators().Update(changed).ok());
  EXPECT_EQ(changed.created_at, op.created_at);
  EXPECT_GE(changed.updated_at, op.updated_at);
  auto stored = this->store_->grid_operators().Get("TENNET");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->name, "TenneT TSO");
  EXPECT_EQ(stored->created_at, op.created_at);
  EXPECT_EQ(stored->updated_at, changed.updated_at);
}

TYPED_TEST(RegistryParityTest, DuplicateIdIsAlreadyExistsAndIdsAreCaseSensitive) {
  this->CreateMeter("SM1");
  auto again = this->registry_->template Create<model::Meter>({{"id", std::string("SM1")}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.error().message(), "meter \"SM1\" already exists");
  this->CreateOperator("OP");
  auto op = this->registry_->template Create<model::GridOperator>(
      {{"id", std::string("OP")}, {"name", std::string("x")}});
  ASSERT_FALSE(op.has_value());
  EXPECT_EQ(op.error().message(), "grid operator \"OP\" already exists");

  this->CreateMeter("sm1");
  auto other = this->registry_->template Get<model::Meter>("Sm1");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.error().message(), "meter \"Sm1\" not found");
}

TYPED_TEST(RegistryParityTest, UnknownReferencesAreRefusedNamingEachField) {
  auto meter =
      this->registry_->template Create<model::Meter>({{"id", std::string("SM1")},
                                                      {"grid_operator_id", std::string("NOPE")},
                                                      {"weather_station_id", std::string("NADA")}});
  ASSERT_FALSE(meter.has_value());
  EXPECT_EQ(meter.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(meter.error().message(), "grid_operator_id \"NOPE\" does not exist");
  ASSERT_EQ(meter.error().details().size(), 2u);
  EXPECT_EQ(meter.error().details()[0].field, "grid_operator_id");
  EXPECT_EQ(meter.error().details()[0].code, "unknown_reference");
  EXPECT_EQ(meter.error().details()[1].field, "weather_station_id");
  EXPECT_EQ(meter.error().details()[1].message, "weather_station_id \"NADA\" does not exist");
  EXPECT_EQ(this->registry_->template Get<model::Meter>("SM1").error().code(),
            StatusCode::kNotFound);

  this->CreateMeter("SM2");
  auto patched = this->registry_->template Patch<model::Meter>(
      "SM2", {{"grid_operator_id", std::string("NOPE")}});
  ASSERT_FALSE(patched.has_value());
  EXPECT_EQ(patched.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(patched.error().details()[0].code, "unknown_reference");
  // A missing entity is reported before its references.
  model::Meter ghost;
  ghost.id = "GHOST";
  ghost.grid_operator_id = "NOPE";
  EXPECT_EQ(this->store_->meters().Update(ghost).code(), StatusCode::kNotFound);
}

TYPED_TEST(RegistryParityTest, ReferencedEntitiesCannotBeDeleted) {
  this->CreateOperator("TENNET");
  this->CreateStation("WS1", 52.0, 13.0);
  this->CreateMeter("SM1", {{"grid_operator_id", std::string("TENNET")},
                            {"weather_station_id", std::string("WS1")}});
  Status status = this->registry_->template Delete<model::GridOperator>("TENNET");
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(),
            "grid operator \"TENNET\" is still referenced by meters; reassign or delete them "
            "first");
  status = this->registry_->template Delete<model::WeatherStation>("WS1");
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(),
            "weather station \"WS1\" is still referenced by meters; reassign or delete them first");
  ASSERT_TRUE(
      this->registry_->template Patch<model::Meter>("SM1", {{"grid_operator_id", std::monostate()}})
          .has_value());
  EXPECT_TRUE(this->registry_->template Delete<model::GridOperator>("TENNET").ok());
  status = this->registry_->template Delete<model::GridOperator>("TENNET");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "grid operator \"TENNET\" not found");
  EXPECT_TRUE(this->registry_->template Delete<model::Meter>("SM1").ok());
  EXPECT_TRUE(this->registry_->template Delete<model::WeatherStation>("WS1").ok());
}

TYPED_TEST(RegistryParityTest, MeterGetsTheNearestActiveWeatherStation) {
  this->CreateStation("HAMBURG", 53.55, 9.99);
  this->CreateStation("MUNICH", 48.14, 11.58);
  this->CreateStation("POTSDAM", 52.39, 13.06, "OFFLINE");
  // Berlin: Potsdam is nearest but offline, so Hamburg (255 km) beats Munich (504 km).
  model::Meter m = this->CreateMeter("SM1", {{"latitude", 52.52}, {"longitude", 13.40}});
  EXPECT_EQ(m.weather_station_id, "HAMBURG");
  model::Meter given = this->CreateMeter(
      "SM2",
      {{"latitude", 52.52}, {"longitude", 13.40}, {"weather_station_id", std::string("MUNICH")}});
  EXPECT_EQ(given.weather_station_id, "MUNICH");
}

TYPED_TEST(RegistryParityTest, NearestStationTieGoesToTheOneCreatedFirst) {
  auto nearest = this->store_->NearestWeatherStation(50.0, 10.0);
  ASSERT_TRUE(nearest.has_value());
  EXPECT_EQ(*nearest, "") << "no station at all";
  // Mirror images east and west of the point: exactly the same distance.
  this->CreateStation("WEST-B", 50.0, 9.0);
  this->CreateStation("EAST-A", 50.0, 11.0);
  EXPECT_EQ(*this->store_->NearestWeatherStation(50.0, 10.0), "WEST-B");
  ASSERT_TRUE(
      this->registry_
          ->template Patch<model::WeatherStation>("WEST-B", {{"status", std::string("offline")}})
          .has_value());
  EXPECT_EQ(*this->store_->NearestWeatherStation(50.0, 10.0), "EAST-A");
}

TYPED_TEST(RegistryParityTest, ListFiltersCaseInsensitivelyAndPages) {
  for (int i = 0; i < 25; ++i) {
    this->CreateMeter("SM" + std::to_string(100 + i),
                      {{"city", std::string(i % 2 ? "Berlin" : "Hamburg")},
                       {"status", std::string(i < 5 ? "FAULTY" : "ACTIVE")}});
  }
  ListQuery query;
  query.filters = {{"city", std::string("berlin")}, {"status", std::string("ACTIVE")}};
  query.page_size = 5;
  query.page = 2;
  int64_t total = 0;
  EXPECT_THAT(this->ListIds(query, &total),
              ElementsAre("SM115", "SM117", "SM119", "SM121", "SM123"));
  EXPECT_EQ(total, 10);  // odd i from 5..24
  query.page = 3;
  EXPECT_TRUE(this->ListIds(query, &total).empty()) << "past the end";
  EXPECT_EQ(total, 10);
  query.filters = {{"status", std::string("active")}};  // enum values too
  query.page = 1;
  query.page_size = 0;
  EXPECT_TRUE(this->ListIds(query, &total).empty());
  EXPECT_EQ(total, 20);
}

TYPED_TEST(RegistryParityTest, ListFoldsOnlyAsciiCase) {
  this->CreateMeter("SM1", {{"city", std::string("Köln")}});
  this->CreateMeter("SM2", {{"city", std::string("KÖLN")}});
  this->CreateMeter("SM3", {{"city", std::string("köln")}});
  ListQuery query;
  query.filters = {{"city", std::string("KöLN")}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM1", "SM3"));
  query.filters = {{"city", std::string("kÖln")}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM2"));
}

// Every column a list filters by, in all three tables: enums, free text and
// the references (byte-ordered ids in PostgreSQL), each matched without
// regard to ASCII case.
TYPED_TEST(RegistryParityTest, ListFiltersEveryFilterableColumn) {
  for (const char* id : {"TENNET", "tennet", "Amprion"}) this->CreateOperator(id);
  ASSERT_TRUE(
      this->registry_
          ->template Patch<model::GridOperator>("Amprion", {{"type", std::string("dso")},
                                                            {"city", std::string("Dortmund")},
                                                            {"status", std::string("maintenance")}})
          .has_value());
  this->CreateStation("WS1", 52.0, 13.0);
  this->CreateStation("ws1", 48.0, 11.0, "OFFLINE");
  ASSERT_TRUE(
      this->registry_
          ->template Patch<model::WeatherStation>("ws1", {{"provider", std::string("Meteo Köln")},
                                                          {"type", std::string("climate")},
                                                          {"city", std::string("Köln")}})
          .has_value());
  this->CreateMeter("SM1", {{"grid_operator_id", std::string("TENNET")},
                            {"weather_station_id", std::string("WS1")},
                            {"type", std::string("gas")}});
  this->CreateMeter("SM2", {{"grid_operator_id", std::string("tennet")},
                            {"weather_station_id", std::string("ws1")},
                            {"segment", std::string("industrial")}});
  this->CreateMeter("SM3", {{"grid_operator_id", std::string("Amprion")},
                            {"weather_station_id", std::string("WS1")}});
  auto meters = [&](const std::string& field, const std::string& value) {
    ListQuery query;
    query.filters = {{field, value}};
    return this->ListIds(query);
  };
  EXPECT_THAT(meters("grid_operator_id", "TenNet"), ElementsAre("SM1", "SM2"));
  EXPECT_THAT(meters("grid_operator_id", "AMPRION"), ElementsAre("SM3"));
  EXPECT_THAT(meters("weather_station_id", "Ws1"), ElementsAre("SM1", "SM2", "SM3"));
  EXPECT_THAT(meters("type", "GAS"), ElementsAre("SM1"));
  EXPECT_THAT(meters("segment", "Industrial"), ElementsAre("SM2"));
  EXPECT_THAT(meters("status", "pending"), ElementsAre("SM1", "SM2", "SM3"));

  auto ids = [](const auto& page) {
    std::vector<std::string> out;
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    if (page.has_value()) {
      for (const auto& e : page->items) out.push_back(e.id);
    }
    return out;
  };
  ListQuery query;
  query.filters = {{"type", std::string("DSO")}, {"status", std::string("Maintenance")}};
  EXPECT_THAT(ids(this->registry_->template List<model::GridOperator>(query)),
              ElementsAre("Amprion"));
  query.filters = {{"type", std::string("tso")}};
  EXPECT_THAT(ids(this->registry_->template List<model::GridOperator>(query)),
              ElementsAre("TENNET", "tennet"));
  query.filters = {{"city", std::string("DORTMUND")}};
  EXPECT_THAT(ids(this->registry_->template List<model::GridOperator>(query)),
              ElementsAre("Amprion"));
  query.filters = {{"provider", std::string("METEO KöLN")}};
  EXPECT_THAT(ids(this->registry_->template List<model::WeatherStation>(query)),
              ElementsAre("ws1"));
  query.filters = {{"provider", std::string("METEO KÖLN")}};
  EXPECT_TRUE(ids(this->registry_->template List<model::WeatherStation>(query)).empty());
  query.filters = {{"type", std::string("SYNOPTIC")}, {"status", std::string("active")}};
  EXPECT_THAT(ids(this->registry_->template List<model::WeatherStation>(query)),
              ElementsAre("WS1"));
  query.filters = {{"city", std::string("köln")}, {"status", std::string("Offline")}};
  EXPECT_THAT(ids(this->registry_->template List<model::WeatherStation>(query)),
              ElementsAre("ws1"));
}

TYPED_TEST(RegistryParityTest, ListOrdersIdsByteByByte) {
  for (const char* id : {"b", "B", "a-1", "a_1", "a.1", "A1", "1", "a1"}) this->CreateMeter(id);
  EXPECT_THAT(this->ListIds(ListQuery{}),
              ElementsAre("1", "A1", "B", "a-1", "a.1", "a1", "a_1", "b"));
}

TYPED_TEST(RegistryParityTest, ListFiltersByNumbersNullsAndUnknownFields) {
  this->CreateMeter("SM1", {{"latitude", 52.5}, {"longitude", 13.4}, {"register_digits", 8.0}});
  this->CreateMeter("SM2", {{"latitude", 48.1}, {"longitude", 11.6}});
  ListQuery query;
  query.filters = {{"latitude", 52.5}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM1"));
  query.filters = {{"register_digits", int64_t{6}}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM2"));
  query.filters = {{"register_digits", 8.0}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM1"));
  query.filters = {{"latitude", std::string("48.1")}};  // numeric text compares as a number
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM2"));
  query.filters = {{"latitude", std::string("north")}};
  EXPECT_TRUE(this->ListIds(query).empty());
  query.filters = {{"city", std::monostate()}};  // NULL equals nothing
  int64_t total = -1;
  EXPECT_TRUE(this->ListIds(query, &total).empty());
  EXPECT_EQ(total, 0);
  query.filters = {{"metadata", model::JsonText{"{}"}}};
  EXPECT_THAT(this->ListIds(query), ElementsAre("SM1", "SM2"));
  query.filters = {{"colour", std::string("red")}};
  auto page = this->registry_->template List<model::Meter>(query);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(page.error().message(), "cannot filter by unknown field colour");
}

TYPED_TEST(RegistryParityTest, ReplaceResetsUnsetFieldsAndKeepsCreatedAt) {
  model::Meter before = this->CreateMeter(
      "SM1", {{"city", std::string("Berlin")}, {"manufacturer", std::string("Landis+Gyr")}});
  auto replaced =
      this->registry_->template Replace<model::Meter>("SM1", {{"city", std::string("Bonn")}});
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(replaced->city, "Bonn");
  EXPECT_EQ(replaced->manufacturer, "");
  EXPECT_EQ(replaced->created_at, before.created_at);
  EXPECT_GE(replaced->updated_at, before.updated_at);
  auto stored = this->registry_->template Get<model::Meter>("SM1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->manufacturer, "");
  EXPECT_EQ(stored->updated_at, replaced->updated_at);
}

TYPED_TEST(RegistryParityTest, FailedPatchLeavesTheStoredEntityUnchanged) {
  this->CreateMeter("SM1", {{"city", std::string("Berlin")}});
  auto patched = this->registry_->template Patch<model::Meter>(
      "SM1", {{"city", std::string("Bonn")}, {"latitude", 123.0}});
  ASSERT_FALSE(patched.has_value());
  EXPECT_EQ(this->registry_->template Get<model::Meter>("SM1")->city, "Berlin");
}

TYPED_TEST(RegistryParityTest, KeysAreDenseStableAndNeverReused) {
  this->CreateMeter("SM1");
  ASSERT_FALSE(this->registry_->template Create<model::Meter>({{"id", std::string("SM1")}}));
  ASSERT_FALSE(this->registry_->template Create<model::Meter>(
      {{"id", std::string("SMX")}, {"grid_operator_id", std::string("NOPE")}}));
  this->CreateMeter("SM2");
  auto k1 = this->store_->meters().KeyOf("SM1");
  auto k2 = this->store_->meters().KeyOf("SM2");
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  EXPECT_EQ(*k1, 1u);
  EXPECT_EQ(*k2, *k1 + 1) << "refused creates use up no key";
  ASSERT_TRUE(this->registry_->template Delete<model::Meter>("SM2").ok());
  this->CreateMeter("SM3");
  auto k3 = this->store_->meters().KeyOf("SM3");
  ASSERT_TRUE(k3.has_value());
  EXPECT_GT(*k3, *k2) << "a deleted meter's key must not carry its readings to a new meter";
  this->Reopen();
  EXPECT_EQ(*this->store_->meters().KeyOf("SM1"), *k1);
  auto all = this->store_->meters().AllKeys();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, (std::vector<std::pair<std::string, uint32_t>>{{"SM1", *k1}, {"SM3", *k3}}));
  auto missing = this->store_->meters().KeyOf("SM2");
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "meter \"SM2\" not found");
  EXPECT_TRUE(this->store_->weather_stations().AllKeys()->empty());
}

TYPED_TEST(RegistryParityTest, MissingEntitiesAreNotFound) {
  model::WeatherStation station;
  station.id = "WS9";
  Status update = this->store_->weather_stations().Update(station);
  EXPECT_EQ(update.code(), StatusCode::kNotFound);
  EXPECT_EQ(update.message(), "weather station \"WS9\" not found");
  EXPECT_EQ(this->store_->weather_stations().Delete("WS9").message(),
            "weather station \"WS9\" not found");
  EXPECT_EQ(this->store_->grid_operators().Get("OP9").error().message(),
            "grid operator \"OP9\" not found");
  EXPECT_EQ(this->store_->meters().Get("").error().code(), StatusCode::kNotFound);
}

TYPED_TEST(RegistryParityTest, PingAndSchemaVersion) {
  EXPECT_TRUE(this->store_->Ping().ok());
  EXPECT_EQ(this->store_->SchemaVersion(), TypeParam::NewestVersion());
}

TYPED_TEST(RegistryParityTest, CorruptRowIsReportedAsCorruption) {
  this->CreateMeter("SM1");
  this->backend_.Exec("UPDATE meters SET status = 'EXPLODED'");
  auto meter = this->registry_->template Get<model::Meter>("SM1");
  ASSERT_FALSE(meter.has_value());
  EXPECT_EQ(meter.error().code(), StatusCode::kCorruption);
  EXPECT_THAT(meter.error().message(), ::testing::HasSubstr("table meters: row SM1: status"));
  auto page = this->registry_->template List<model::Meter>(ListQuery{});
  EXPECT_EQ(page.error().code(), StatusCode::kCorruption);
}

// ---- The same random operations on both stores, outcome by outcome.

class RegistryParityTranscriptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { PgBackend::SetUpSuite(); }
};

// Every field but the times, which differ by clock; whether they are equal.
template <typename T>
std::string Describe(const T& entity) {
  std::string out;
  for (const auto& f : model::EntityTraits<T>::Fields()) {
    if (f.kind == model::FieldKind::kTimestamp) continue;
    std::optional<std::string> text = pg_field::ToText(f.get(entity));
    out += f.name + "=" + (text ? *text : "null") + " ";
  }
  return out + (entity.created_at == entity.updated_at ? "new" : "changed");
}

std::string Describe(const Status& status) {
  std::string out = status.ToString();
  for (const auto& d : status.details())
    out += " [" + d.field + " " + d.code + " " + d.message + "]";
  return out;
}

template <typename T>
std::string Describe(const Result<T>& result) {
  if (!result.has_value()) return Describe(result.error());
  if constexpr (std::is_same_v<T, Page<model::Meter>>) {
    std::string out = "total=" + std::to_string(result->total_count);
    for (const auto& m : result->items) out += " " + m.id;
    return out;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, uint32_t>) {
    return fmt::format("{}", *result);
  } else {
    return Describe(*result);
  }
}

// One random operation on `registry`, described with its outcome. `rng`
// is copied per store, so both see the same operations.
std::string RandomOperation(registry::Registry& registry, std::mt19937& rng) {
  auto pick = [&](const std::vector<std::string>& options) {
    return options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng)];
  };
  const std::vector<std::string> meters = {"SM1", "SM2", "sm1", "SM-3", "SM_4", "A5"};
  const std::vector<std::string> operators = {"TENNET", "AMPRION", "tennet"};
  const std::vector<std::string> stations = {"WS1", "WS2", "WS3"};
  const std::vector<std::string> cities = {"Berlin", "berlin", "BERLIN", "Köln", "KÖLN", ""};
  const std::vector<std::string> statuses = {"ACTIVE", "pending", "FAULTY", "bogus"};
  auto maybe = [&](const std::vector<std::string>& options) -> model::FieldValue {
    std::string v = pick(options);
    return rng() % 3 == 0 ? model::FieldValue() : model::FieldValue(v);
  };
  auto coordinate = [&](double base) { return base + static_cast<double>(rng() % 5); };
  switch (rng() % 10) {
    case 0: {
      std::string id = pick(operators);
      return "create operator " + id + ": " +
             Describe(registry.Create<model::GridOperator>(
                 {{"id", id}, {"name", pick(cities)}, {"city", maybe(cities)}}));
    }
    case 1: {
      std::string id = pick(stations);
      return "create station " + id + ": " +
             Describe(registry.Create<model::WeatherStation>(
                 {{"id", id},
                  {"name", id},
                  {"latitude", coordinate(48)},
                  {"longitude", coordinate(8)},
                  {"status", std::string(rng() % 4 ? "ACTIVE" : "OFFLINE")}}));
    }
    case 2:
    case 3: {
      std::string id = pick(meters);
      FieldValues values = {{"id", id},
                            {"city", maybe(cities)},
                            {"status", pick(statuses)},
                            {"grid_operator_id", maybe(operators)}};
      if (rng() % 2) {
        values.emplace_back("latitude", coordinate(48));
        values.emplace_back("longitude", coordinate(8));
      }
      if (rng() % 4 == 0) values.emplace_back("weather_station_id", pick(stations));
      return "create meter " + id + ": " + Describe(registry.Create<model::Meter>(values));
    }
    case 4: {
      std::string id = pick(meters);
      return "patch meter " + id + ": " +
             Describe(registry.Patch<model::Meter>(
                 id, {{"city", maybe(cities)}, {"grid_operator_id", maybe(operators)}}));
    }
    case 5: {
      std::string id = pick(operators);
      return "delete operator " + id + ": " + Describe(registry.Delete<model::GridOperator>(id));
    }
    case 6: {
      std::string id = pick(rng() % 2 ? stations : meters);
      Status status = id.starts_with("WS") ? registry.Delete<model::WeatherStation>(id)
                                           : registry.Delete<model::Meter>(id);
      return "delete " + id + ": " + Describe(status);
    }
    case 7: {
      ListQuery query;
      if (rng() % 2) query.filters.emplace_back("city", pick(cities));
      if (rng() % 2) query.filters.emplace_back("status", pick(statuses));
      if (rng() % 3 == 0) query.filters.emplace_back("grid_operator_id", pick(operators));
      query.page = 1 + static_cast<int64_t>(rng() % 3);
      query.page_size = 1 + static_cast<int64_t>(rng() % 4);
      return "list: " + Describe(registry.List<model::Meter>(query));
    }
    case 8: {
      const double lat = coordinate(48), lon = coordinate(8);
      return fmt::format("nearest {} {}: ", lat, lon) +
             Describe(registry.store().NearestWeatherStation(lat, lon));
    }
    default: {
      std::string id = pick(meters);
      return "key " + id + ": " + Describe(registry.store().meters().KeyOf(id)) +
             " get: " + Describe(registry.Get<model::Meter>(id));
    }
  }
}

TEST_F(RegistryParityTranscriptTest, SameOperationsSameOutcomes) {
  SqliteBackend sqlite_backend;
  PgBackend pg_backend;
  auto sqlite = sqlite_backend.Open();
  auto pg = pg_backend.Open();
  ASSERT_TRUE(sqlite.has_value() && pg.has_value());
  registry::Registry sqlite_registry(**sqlite), pg_registry(**pg);
  std::mt19937 sqlite_rng(20250113), pg_rng(20250113);
  int differences = 0;
  for (int i = 0; i < 400 && differences < 5; ++i) {
    const std::string expected = RandomOperation(sqlite_registry, sqlite_rng);
    const std::string actual = RandomOperation(pg_registry, pg_rng);
    EXPECT_EQ(actual, expected) << "operation " << i;
    differences += actual != expected;
  }
  // And the end states, keys included.
  EXPECT_EQ(*(*pg)->meters().AllKeys(), *(*sqlite)->meters().AllKeys());
  EXPECT_EQ(*(*pg)->grid_operators().AllKeys(), *(*sqlite)->grid_operators().AllKeys());
  EXPECT_EQ(*(*pg)->weather_stations().AllKeys(), *(*sqlite)->weather_stations().AllKeys());
}

}  // namespace
}  // namespace metrify::store
