// What only the PostgreSQL registry (store/postgres/pg_registry.h) has, on a
// real PostgreSQL 15: the schema check at open, the columns of v1 and v6,
// migrating rows stored before v6, indexes serving the filtered lists, text
// PostgreSQL cannot hold, API replicas racing each other, and the database
// going away and coming back. The behaviour both stores share is held to
// the embedded store's in registry_parity_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "registry/registry.h"
#include "scaled/pg_registry_fixture.h"
#include "store/postgres/pg_registry.h"

namespace metrify::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { databases_ = std::make_unique<test::PgDatabases>(); }
  static void TearDownTestSuite() { databases_.reset(); }

  void SetUp() override {
    name_ = "r_" + std::to_string(++count_);
    url_ = databases_->Create(name_);
    pool_ = std::make_unique<PgPool>(url_);
    auto opened = PgRegistry::Open(*pool_);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }
  int64_t Count(const std::string& sql) {
    auto rows = databases_->Connect(name_)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows.has_value() ? rows->Int(0, 0) : -1;
  }
  void Exec(const std::string& sql) {
    Status status = databases_->Connect(name_)->Exec(sql);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  static model::Meter Meter(const std::string& id) {
    model::Meter m;
    m.id = id;
    return m;
  }

  static inline std::unique_ptr<test::PgDatabases> databases_;
  static inline int count_ = 0;
  std::string name_, url_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgRegistry> store_;
};

TEST_F(PgRegistryTest, OpenRefusesADatabaseThatIsBehindOrAheadAndWritesNothing) {
  const int newest = PgMigrations().back().version;
  PgPool empty_pool(databases_->Create("empty", false));
  auto opened = PgRegistry::Open(empty_pool);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(opened.error().message(),
            fmt::format("the database at 127.0.0.1:{}/empty has schema version 0, this metrify "
                        "needs {}; run `metrify migrate up`",
                        databases_->server().port(), newest));
  auto rows =
      databases_->Connect("empty")->Query("SELECT to_regclass('schema_migrations') IS NULL");
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->Text(0, 0), "t") << "Open must not create schema_migrations";

  std::unique_ptr<PgConnection> half = databases_->Connect("empty");
  std::vector<PgMigration> first_two(PgMigrations().begin(), PgMigrations().begin() + 2);
  ASSERT_TRUE(ApplyPgMigrations(*half, first_two).has_value());
  opened = PgRegistry::Open(empty_pool);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(opened.error().message(), HasSubstr("schema version 2, this metrify needs"));

  Exec("INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')");
  opened = PgRegistry::Open(*pool_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message(), HasSubstr("schema version 999, newer than this metrify"));
}

// The columns the repository reads and writes, with the types pg_field
// assumes for each kind of field; ids and references in byte order (v6).
TEST_F(PgRegistryTest, EveryFieldHasAColumnOfItsKind) {
  struct Column {
    std::string type, collation;
  };
  auto columns = [&](const std::string& table) {
    auto rows = databases_->Connect(name_)->Query(
        "SELECT column_name, data_type, COALESCE(collation_name, '') FROM "
        "information_schema.columns WHERE table_name = $1",
        {table});
    std::map<std::string, Column> out;
    for (int i = 0; rows.has_value() && i < rows->size(); ++i) {
      out[std::string(rows->Text(i, 0))] = {std::string(rows->Text(i, 1)),
                                            std::string(rows->Text(i, 2))};
    }
    return out;
  };
  auto expect = [](const auto& fields, std::map<std::string, Column> columns) {
    for (const auto& f : fields) {
      ASSERT_TRUE(columns.count(f.name)) << f.name;
      const std::string& type = columns[f.name].type;
      switch (f.kind) {
        case model::FieldKind::kNumber:
          EXPECT_EQ(type, "double precision") << f.name;
          break;
        case model::FieldKind::kInteger:
          EXPECT_THAT(type, ::testing::AnyOf("integer", "bigint")) << f.name;
          break;
        case model::FieldKind::kTimestamp:
          EXPECT_EQ(type, "bigint") << f.name;
          break;
        case model::FieldKind::kObject:
          EXPECT_EQ(type, "text") << f.name << " (kept verbatim since v6, see pg_field::WriteExpr)";
          break;
        default:
          EXPECT_EQ(type, "text") << f.name;
      }
      if (f.name == "id" || !f.references.empty()) {
        EXPECT_EQ(columns[f.name].collation, "C") << f.name;
      }
    }
    EXPECT_EQ(columns["key"].type, "bigint");
  };
  expect(model::MeterFields(), columns("meters"));
  expect(model::GridOperatorFields(), columns("grid_operators"));
  expect(model::WeatherStationFields(), columns("weather_stations"));
}

// JSONB would reorder keys, drop duplicates and refuse text that is not
// JSON, which the embedded store keeps as given; so would it respell what
// something else writes into the column.
TEST_F(PgRegistryTest, MetadataIsKeptVerbatim) {
  model::Meter meter = Meter("SM1");
  meter.metadata = R"({"b":1, "a":2, "a":3})";
  ASSERT_TRUE(store_->meters().Create(meter).ok());
  model::Meter odd = Meter("SM2");
  odd.metadata = "{not json";  // the CSV import passes a metadata column through
  ASSERT_TRUE(store_->meters().Create(odd).ok());
  EXPECT_EQ(store_->meters().Get("SM1")->metadata, R"({"b":1, "a":2, "a":3})");
  EXPECT_EQ(store_->meters().Get("SM2")->metadata, "{not json");
  ListQuery query;
  query.filters = {{"metadata", model::JsonText{"{not json"}}};
  auto page = store_->meters().List(query);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, "SM2");

  Exec(R"(UPDATE meters SET metadata = '{"z": 1, "a": [true]}' WHERE id = 'SM1')");
  EXPECT_EQ(store_->meters().Get("SM1")->metadata, R"({"z": 1, "a": [true]})");
}

// Up to v5 metadata was JSONB and the store kept its text as a JSONB string
// (to_jsonb(text), read back with #>> '{}'). Rows written that way read the
// same after v6 as they did before, and the keys and references stay.
TEST_F(PgRegistryTest, MigrationSixKeepsWhatVersionFiveStored) {
  PgPool pool(databases_->Create("v5", false));
  std::unique_ptr<PgConnection> db = databases_->Connect("v5");
  const std::vector<PgMigration> up_to_five(PgMigrations().begin(), PgMigrations().begin() + 5);
  ASSERT_EQ(up_to_five.back().version, 5);
  ASSERT_TRUE(ApplyPgMigrations(*db, up_to_five).has_value());
  // The v5 store's INSERT, less the columns it would have left NULL.
  auto insert_meter = [&](const std::string& id, const std::optional<std::string>& metadata,
                          const std::optional<std::string>& operator_id) {
    Status status =
        db->Query(
              "INSERT INTO meters (id, type, status, segment, tariff, timezone, "
              "register_multiplier, register_digits, register_decimals, grid_operator_id, "
              "metadata, created_at, updated_at) VALUES ($1::text, 'electricity', 'ACTIVE', "
              "'residential', 'standard', 'Europe/Berlin', 1, 6, 1, $2::text, "
              "to_jsonb($3::text), 1700000000000, 1700000000001)",
              {id, operator_id, metadata})
            .status();
    ASSERT_TRUE(status.ok()) << status.ToString();
  };
  ASSERT_TRUE(db->Exec("INSERT INTO grid_operators (id, name, type, status, metadata, "
                       "created_at, updated_at) VALUES ('op', 'Operator', 'DSO', 'ACTIVE', "
                       "to_jsonb('{\"b\":1, \"a\":2}'::text), 1, 2), ('OP', 'Other', 'TSO', "
                       "'ACTIVE', NULL, 1, 2)")
                  .ok());
  ASSERT_TRUE(db->Exec("INSERT INTO weather_stations (id, name, type, latitude, longitude, "
                       "status, metadata, created_at, updated_at) VALUES ('WS', 'Station', "
                       "'synoptic', 50, 8, 'ACTIVE', to_jsonb('{not json at all'::text), 1, 2)")
                  .ok());
  // As clients sent them: key order, duplicates, number spelling, escapes,
  // a line break and text that is not JSON (the CSV import passes it).
  const std::map<std::string, std::optional<std::string>> metadata = {
      {"b", R"({"tier":"GOOD", "b":[1, 2.50, 1e2], "a":1, "a":2})"},
      {"B", "{not json"},
      {"a-1", R"({"q": "say \"hi\" \\ \u00e9",)"
              "\n"
              R"( "city": "Köln ✓"})"},
      {"a_1", "{}"},
      {"A1", R"({"big": 12345678901234567890123, "f": 1.0E+2})"},
      {"1", std::nullopt},  // read as "{}", what the setter makes of NULL
  };
  for (const auto& [id, text] : metadata) {
    insert_meter(id, text, id == "b" ? std::optional<std::string>("op") : std::nullopt);
  }
  // An object something else wrote: the v5 store read it as JSONB prints it.
  ASSERT_TRUE(db->Exec(R"(INSERT INTO meters (id, type, status, segment, tariff, timezone,
                  register_multiplier, register_digits, register_decimals, weather_station_id,
                  metadata, created_at, updated_at) VALUES ('Z', 'electricity', 'ACTIVE',
                  'residential', 'standard', 'Europe/Berlin', 1, 6, 1, 'WS',
                  '{"z": 1, "a": [true], "a": 2}'::jsonb, 1, 2))")
                  .ok());
  ASSERT_TRUE(db->Exec("DELETE FROM meters WHERE id = 'a_1'").ok());
  insert_meter("a_1", "{}", std::nullopt);  // a key past a deleted one

  // Up from version 5 to today's schema: 6 rewrote the registry's columns,
  // the later ones touch other tables.
  auto version = ApplyPgMigrations(*db, PgMigrations());
  ASSERT_TRUE(version.has_value()) << version.error().ToString();
  ASSERT_EQ(*version, PgMigrations().back().version);
  ASSERT_GE(*version, 6);
  auto opened = PgRegistry::Open(pool);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  PgRegistry& store = **opened;

  for (const auto& [id, text] : metadata) {
    auto meter = store.meters().Get(id);
    ASSERT_TRUE(meter.has_value()) << id << ": " << meter.error().ToString();
    EXPECT_EQ(meter->metadata, text.value_or("{}")) << id;
    EXPECT_EQ(meter->created_at, 1700000000000) << id;
    EXPECT_EQ(meter->updated_at, 1700000000001) << id;
  }
  EXPECT_EQ(store.meters().Get("b")->grid_operator_id, "op");
  auto z = store.meters().Get("Z");
  ASSERT_TRUE(z.has_value()) << z.error().ToString();
  EXPECT_EQ(z->metadata, R"({"a": 2, "z": 1})");
  EXPECT_EQ(z->weather_station_id, "WS");
  EXPECT_EQ(store.grid_operators().Get("op")->metadata, R"({"b":1, "a":2})");
  EXPECT_EQ(store.grid_operators().Get("OP")->metadata, "{}");
  EXPECT_EQ(store.weather_stations().Get("WS")->metadata, "{not json at all");

  // Byte order, the keys the rows had, the foreign keys still in force.
  auto all = store.meters().List(ListQuery{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  std::vector<std::string> ids;
  for (const auto& m : all->items) ids.push_back(m.id);
  EXPECT_THAT(ids, ::testing::ElementsAre("1", "A1", "B", "Z", "a-1", "a_1", "b"));
  EXPECT_EQ(*store.meters().KeyOf("1"), 1u);  // inserted in the map's order
  EXPECT_EQ(*store.meters().KeyOf("b"), 6u);
  EXPECT_EQ(*store.meters().KeyOf("Z"), 7u);
  EXPECT_EQ(*store.meters().KeyOf("a_1"), 8u);
  EXPECT_EQ(store.grid_operators().Delete("op").code(), StatusCode::kConflict);
  EXPECT_EQ(store.weather_stations().Delete("WS").code(), StatusCode::kConflict);
  EXPECT_TRUE(store.grid_operators().Delete("OP").ok());
  ListQuery by_operator;
  by_operator.filters = {{"grid_operator_id", std::string("OP")}};
  EXPECT_EQ(store.meters().List(by_operator)->total_count, 1);
  model::Meter fresh = Meter("c");
  fresh.metadata = R"({"b":1, "a":2})";
  ASSERT_TRUE(store.meters().Create(fresh).ok());
  EXPECT_EQ(store.meters().Get("c")->metadata, R"({"b":1, "a":2})");
}

// Each filterable column with an index, and the order of a page, on a
// table large enough that the planner would rather not read all of it:
// the repository's conditions are the very expressions v6 indexes. The
// statistics say which indexes were read; a backend adds its counts to
// them when it exits, hence the pool of its own, closed before reading.
TEST_F(PgRegistryTest, FilteredPagedListsUseTheIndexes) {
  Exec(
      "INSERT INTO grid_operators (id, name, type, status, created_at, updated_at) VALUES "
      "('OP-A', 'A', 'DSO', 'ACTIVE', 1, 1), ('OP-B', 'B', 'DSO', 'ACTIVE', 1, 1)");
  Exec(
      "INSERT INTO weather_stations (id, name, type, latitude, longitude, status, created_at, "
      "updated_at) VALUES ('WS-A', 'A', 'synoptic', 50, 8, 'ACTIVE', 1, 1), "
      "('WS-B', 'B', 'synoptic', 50, 8, 'ACTIVE', 1, 1)");
  // 20,000 meters; every 1000th is the odd one out in each filtered column.
  Exec(
      "INSERT INTO meters (id, type, status, city, grid_operator_id, weather_station_id, "
      "segment, tariff, timezone, register_multiplier, register_digits, register_decimals, "
      "metadata, created_at, updated_at) "
      "SELECT 'SM' || lpad(i::text, 6, '0'), "
      "CASE WHEN i % 1000 = 0 THEN 'heat' ELSE 'electricity' END, "
      "CASE WHEN i % 1000 = 0 THEN 'FAULTY' ELSE 'ACTIVE' END, "
      "CASE WHEN i % 1000 = 0 THEN 'Görlitz' ELSE 'City' || (i % 50) END, "
      "CASE WHEN i % 1000 = 0 THEN 'OP-B' ELSE 'OP-A' END, "
      "CASE WHEN i % 1000 = 0 THEN 'WS-B' ELSE 'WS-A' END, "
      "CASE WHEN i % 1000 = 0 THEN 'industrial' ELSE 'residential' END, "
      "'standard', 'Europe/Berlin', 1, 6, 1, '{}', 1, 1 "
      "FROM generate_series(1, 20000) i ORDER BY md5(i::text)");
  Exec("ANALYZE meters");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"status", "faulty"},         {"type", "HEAT"},
      {"segment", "INDUSTRIAL"},    {"city", "GöRLITZ"},
      {"grid_operator_id", "op-b"}, {"weather_station_id", "ws-B"},
  };
  {
    PgPool pool(url_);
    auto opened = PgRegistry::Open(pool);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    for (const auto& [field, value] : cases) {
      ListQuery query;
      query.filters = {{field, value}};
      query.page_size = 5;
      auto page = (*opened)->meters().List(query);
      ASSERT_TRUE(page.has_value()) << page.error().ToString();
      EXPECT_EQ(page->total_count, 20) << field;
      ASSERT_EQ(page->items.size(), 5u) << field;
      EXPECT_EQ(page->items[0].id, "SM001000") << field;
    }
    ListQuery first_page;
    first_page.page_size = 5;
    auto page = (*opened)->meters().List(first_page);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(page->items[0].id, "SM000001");
  }

  const std::vector<std::string> indexes = {"meters_status",
                                            "meters_type",
                                            "meters_segment",
                                            "meters_city",
                                            "meters_grid_operator_folded",
                                            "meters_weather_station_folded",
                                            "meters_id_key"};
  std::map<std::string, int64_t> scans;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto rows = databases_->Connect(name_)->Query(
        "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'meters'");
    ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
    for (int i = 0; i < rows->size(); ++i) scans[std::string(rows->Text(i, 0))] = rows->Int(i, 1);
    const bool all = std::all_of(indexes.begin(), indexes.end(),
                                 [&](const std::string& index) { return scans[index] > 0; });
    if (all || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const std::string& index : indexes) EXPECT_GT(scans[index], 0) << index << " unused";
}

TEST_F(PgRegistryTest, TextPostgresCannotHoldIsRefusedNamingTheField) {
  model::Meter meter = Meter("SM1");
  meter.city = std::string("Bad\0City", 8);
  meter.address = "\xff\xfe";
  Status status = store_->meters().Create(meter);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(status.details().size(), 2u);
  EXPECT_EQ(status.details()[0].field, "address");
  EXPECT_EQ(status.details()[0].code, "invalid_encoding");
  EXPECT_EQ(status.details()[1].field, "city");
  EXPECT_EQ(status.details()[1].code, "invalid_character");
  EXPECT_EQ(Count("SELECT count(*) FROM meters"), 0);

  model::Meter plain = Meter("SM1");
  ASSERT_TRUE(store_->meters().Create(plain).ok());
  EXPECT_EQ(*store_->meters().KeyOf("SM1"), 1u) << "the refused create used up no key";
  EXPECT_EQ(store_->meters().Get("SM1\xff").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->meters().Delete(std::string("SM1\0", 4)).code(), StatusCode::kNotFound);
  ListQuery query;
  query.filters = {{"city", std::string("\xff")}};
  EXPECT_EQ(store_->meters().List(query)->total_count, 0);
}

// Two API replicas (a pool each) creating the same ids at the same moment.
TEST_F(PgRegistryTest, ConcurrentCreatesOfOneIdHaveExactlyOneWinner) {
  constexpr int kThreads = 8, kRounds = 15;
  PgPool other_pool(url_);
  auto other = PgRegistry::Open(other_pool);
  ASSERT_TRUE(other.has_value());
  std::barrier start(kThreads);
  std::atomic<int> ok[kRounds] = {}, exists[kRounds] = {}, other_errors = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RegistryStore& store = t % 2 ? static_cast<RegistryStore&>(**other) : *store_;
      for (int round = 0; round < kRounds; ++round) {
        model::Meter meter = Meter("SM" + std::to_string(round));
        meter.city = "thread " + std::to_string(t);
        start.arrive_and_wait();
        Status status = store.meters().Create(meter);
        if (status.ok()) {
          ++ok[round];
        } else if (status.code() == StatusCode::kAlreadyExists &&
                   status.message() == "meter \"" + meter.id + "\" already exists") {
          ++exists[round];
        } else {
          ++other_errors;
          ADD_FAILURE() << status.ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(ok[round].load(), 1) << "round " << round;
    EXPECT_EQ(exists[round].load(), kThreads - 1) << "round " << round;
  }
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM meters"), kRounds);
}

// A meter created with a reference while the referenced station is being
// deleted: either the create wins and the delete is refused, or the delete
// wins and the create is refused. Never both, never a dangling reference.
TEST_F(PgRegistryTest, DeleteRacingACreateThatRefersToItLeavesNoDanglingReference) {
  constexpr int kRounds = 50;
  registry::Registry registry(*store_);
  std::barrier start(2);
  int created = 0, deleted = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string station = "WS" + std::to_string(round);
    ASSERT_TRUE(
        registry
            .Create<model::WeatherStation>(
                {{"id", station}, {"name", station}, {"latitude", 50.0}, {"longitude", 8.0}})
            .has_value());
    Status create_status, delete_status;
    std::thread creator([&] {
      model::Meter meter = Meter("SM" + std::to_string(round));
      meter.weather_station_id = station;
      start.arrive_and_wait();
      create_status = store_->meters().Create(meter);
    });
    start.arrive_and_wait();
    delete_status = store_->weather_stations().Delete(station);
    creator.join();
    if (create_status.ok()) {
      ++created;
      EXPECT_EQ(delete_status.code(), StatusCode::kConflict) << delete_status.ToString();
    } else {
      ++deleted;
      EXPECT_TRUE(delete_status.ok()) << delete_status.ToString();
      ASSERT_EQ(create_status.details().size(), 1u) << create_status.ToString();
      EXPECT_EQ(create_status.details()[0].code, "unknown_reference");
    }
  }
  EXPECT_EQ(created + deleted, kRounds);
  EXPECT_EQ(Count("SELECT count(*) FROM meters m LEFT JOIN weather_stations s ON s.id = "
                  "m.weather_station_id WHERE s.id IS NULL"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM meters"), created);
}

// The server stops: every call says Unavailable, naming the server and not
// the password; it starts again: the same pool and store carry on.
TEST_F(PgRegistryTest, StoppedDatabaseIsUnavailableAndThePoolRecovers) {
  PgPoolOptions options;
  options.retry_after = std::chrono::milliseconds(100);
  PgPool pool(databases_->Url(name_, "s3cret"), options);
  auto opened = PgRegistry::Open(pool);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  PgRegistry& store = **opened;
  model::Meter first = Meter("SM1");
  ASSERT_TRUE(store.meters().Create(first).ok());

  // The suite shares the server: start it again however this test ends.
  struct Restart {
    test::PostgresServer& pg;
    ~Restart() {
      try {
        if (!pg.running()) pg.Start();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  } restart{databases_->server()};
  ASSERT_EQ(databases_->server().Stop(), 0);
  const std::string server = "127.0.0.1:" + std::to_string(databases_->server().port());
  auto expect_unavailable = [&](const Status& status, const char* call) {
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << call << ": " << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(server)) << call;
    EXPECT_THAT(status.message(), Not(HasSubstr("s3cret"))) << call;
  };
  model::Meter meter = Meter("SM2");
  expect_unavailable(store.meters().Get("SM1").status(), "Get");
  expect_unavailable(store.meters().Create(meter), "Create");
  expect_unavailable(store.meters().Update(meter), "Update");
  expect_unavailable(store.meters().Delete("SM1"), "Delete");
  expect_unavailable(store.meters().List(ListQuery{}).status(), "List");
  expect_unavailable(store.meters().KeyOf("SM1").status(), "KeyOf");
  expect_unavailable(store.meters().AllKeys().status(), "AllKeys");
  expect_unavailable(store.NearestWeatherStation(50, 8).status(), "NearestWeatherStation");
  expect_unavailable(store.Ping(), "Ping");
  expect_unavailable(PgRegistry::Open(pool).status(), "Open");

  databases_->server().Start();
  // Acquire fails fast for retry_after after a failed connect.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!store.Ping().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(store.Ping().ok());
  EXPECT_TRUE(store.meters().Get("SM1").has_value());
  EXPECT_TRUE(store.meters().Create(meter).ok());
  EXPECT_EQ(store.meters().AllKeys()->size(), 2u);
}

// A connection the server closed (a restart, an idle timeout) is found out
// on its next use: a read goes on with a new connection; a write, whose
// outcome would be unknown, reports Unavailable and is not repeated.
TEST_F(PgRegistryTest, ReadsRetryOnAClosedConnectionAndWritesDoNot) {
  model::Meter first = Meter("SM1");
  ASSERT_TRUE(store_->meters().Create(first).ok());
  auto terminate = [&] {
    EXPECT_GE(Count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM "
                    "pg_stat_activity WHERE datname = '" +
                    name_ + "' AND pid <> pg_backend_pid()"),
              1);
  };
  terminate();
  EXPECT_TRUE(store_->meters().Get("SM1").has_value());
  terminate();
  model::Meter meter = Meter("SM2");
  EXPECT_EQ(store_->meters().Create(meter).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store_->meters().Create(meter).ok());
}

}  // namespace
}  // namespace metrify::store
