// What only the PostgreSQL registry (store/postgres/pg_registry.h) has, on a
// real PostgreSQL 15: the schema check at open, the columns of v1, text
// PostgreSQL cannot hold, API replicas racing each other, and the database
// going away and coming back. The behaviour both stores share is held to
// the embedded store's in registry_parity_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <map>
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
// assumes for each kind of field.
TEST_F(PgRegistryTest, EveryFieldHasAColumnOfItsKind) {
  auto types = [&](const std::string& table) {
    auto rows = databases_->Connect(name_)->Query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1",
        {table});
    std::map<std::string, std::string> out;
    for (int i = 0; rows.has_value() && i < rows->size(); ++i) {
      out[std::string(rows->Text(i, 0))] = rows->Text(i, 1);
    }
    return out;
  };
  auto expect = [](const auto& fields, std::map<std::string, std::string> columns) {
    for (const auto& f : fields) {
      ASSERT_TRUE(columns.count(f.name)) << f.name;
      const std::string& type = columns[f.name];
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
          EXPECT_EQ(type, "jsonb") << f.name << " (see pg_field::WriteExpr)";
          break;
        default:
          EXPECT_EQ(type, "text") << f.name;
      }
    }
    EXPECT_EQ(columns["key"], "bigint");
  };
  expect(model::MeterFields(), types("meters"));
  expect(model::GridOperatorFields(), types("grid_operators"));
  expect(model::WeatherStationFields(), types("weather_stations"));
}

// JSONB would reorder keys, drop duplicates and refuse text that is not
// JSON, which the embedded store keeps as given; an object written by
// something else reads as JSONB prints it.
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

  Exec(R"(UPDATE meters SET metadata = '{"z": 1, "a": [true]}'::jsonb WHERE id = 'SM1')");
  EXPECT_EQ(store_->meters().Get("SM1")->metadata, R"({"a": [true], "z": 1})");
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
