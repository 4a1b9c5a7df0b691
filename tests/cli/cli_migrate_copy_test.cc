// `metrify migrate copy` end to end: an embedded installation built by the
// real server (meters, a deleted meter, revised readings, an edit, an
// acknowledged alert, grid status, an observation) and a dead letter,
// copied into a migrated PostgreSQL 15 and checked row by row: keys
// translated by id, revisions and timestamps kept, alert ids kept with the
// identity moved past them; the hours of the copied readings marked for the
// rollups, which then agree with the readings. Then the refusals: a target
// holding data, an
// unmigrated target, an unreachable one (exit 6, no password), a --from
// that is not embedded:DIR, and an installation a server still runs on.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "alerts/alert_store.h"
#include "common/file_system.h"
#include "common/time.h"
#include "store/engine/readings_engine.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_rollups.h"
#include "store/sqlite/sqlite_registry.h"
#include "support/api_fixture.h"
#include "support/postgres_server.h"

namespace metrify::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kJan15 = 1736899200000;  // 2025-01-15T00:00:00Z
constexpr int64_t kQuarter = 900'000;

std::unique_ptr<store::PgConnection> Connect(const PostgresServer& pg) {
  auto db = store::PgConnection::Connect(pg.url(), std::chrono::seconds(10));
  EXPECT_TRUE(db.has_value()) << db.status().message();
  return db.has_value() ? std::move(db).value() : nullptr;
}

// The first column of the first row of `sql` as text ("" when no row).
std::string Text(store::PgConnection& db, const std::string& sql) {
  auto rows = db.Query(sql);
  EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.status().message();
  if (!rows.has_value() || rows->size() == 0) return "";
  return std::string(rows->Text(0, 0));
}

void MigrateUp(const PostgresServer& pg) {
  ProgramResult up = RunCli({"migrate", "up", "--postgres-url", pg.url()});
  ASSERT_EQ(up.exit_code, 0) << up.err;
}

ProgramResult Copy(const std::string& data_dir, const std::string& url,
                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"migrate", "copy", "--from", "embedded:" + data_dir,
                                   "--to",    url};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args, {}, std::chrono::seconds(60));
}

// Builds an installation through a real `metrify serve`.
class Installation {
 public:
  Installation() : http_("127.0.0.1", server_.port()) {}

  void Create(std::string_view base, const std::string& body) {
    TestResponse r = http_.Post(base, body);
    ASSERT_EQ(r.status, 201) << body << ": " << r.body;
  }
  void Readings(const std::string& meter, const std::string& json_items) {
    TestResponse r = http_.Post(ItemPath(kMeters, meter) + "/readings", json_items);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(JsonDoc(r.body).Int("/rejected"), 0) << r.body;
  }
  TestResponse Request(std::string_view method, const std::string& target, std::string body = "") {
    return http_.Request(method, target, std::move(body), {{"Content-Type", "application/json"}});
  }
  // Polls the alerts until `query` lists one; its id (-1 after 15 s).
  int64_t WaitForAlert(const std::string& query) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      JsonDoc doc(http_.Get("/api/v1/alerts?" + query).body);
      if (doc.Int("/total_count") > 0) return doc.Int("/items/0/id");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  std::string CreatedAt(std::string_view base, const std::string& id) {
    return JsonDoc(http_.Get(ItemPath(base, id)).body).String("/created_at");
  }
  ServerProcess& server() { return server_; }

 private:
  ServerProcess server_;
  TestHttpClient http_;
};

std::string Reading(int64_t ts, double kwh, double volts) {
  return fmt::format(R"({{"timestamp":{},"energy_kwh":{},"voltage_v":{}}})", ts, kwh, volts);
}

TEST(MigrateCopyTest, CopiesAnInstallationAndVerifiesEveryTable) {
  Installation in;
  in.Create(kOperators, R"({"id":"OP-B","name":"Bravo","type":"DSO"})");
  in.Create(kOperators, R"({"id":"OP-A","name":"Alpha","type":"TSO"})");
  in.Create(kStations, R"({"id":"WS-1","name":"Station","latitude":52.5,"longitude":13.4})");
  // Embedded keys 1, 2, 3 in creation order; M-DEL goes, so M-ALPHA is
  // PostgreSQL key 2: the copy must translate.
  in.Create(kMeters, R"({"id":"M-ZULU","grid_operator_id":"OP-A","weather_station_id":"WS-1"})");
  in.Create(kMeters, R"({"id":"M-DEL"})");
  in.Create(kMeters, R"({"id":"M-ALPHA","grid_operator_id":"OP-B","latitude":52.1,)"
                     R"("longitude":13.2,"annual_consumption_kwh":3500.5})");
  const int64_t t1 = kJan15 + kQuarter, t2 = kJan15 + 2 * kQuarter, t3 = kJan15 + 3 * kQuarter;
  in.Readings("M-ZULU", "[" + Reading(t1, 0.1, 230) + "," + Reading(t2, 0.2, 258) + "]");
  in.Readings("M-ALPHA", "[" + Reading(t1, 0.25, 231) + "," + Reading(t2, 0.5, 232) + "," +
                             Reading(t3, 0.75, 233) + "]");
  in.Readings("M-ALPHA", "[" + Reading(t1, 0.3, 231) + "]");  // revision 1
  in.Readings("M-DEL", "[" + Reading(t1, 9.0, 230) + "]");
  ASSERT_EQ(in.Request("POST", std::string(kOperators) + "/OP-A/status",
                       R"([{"timestamp":"2025-01-15T00:00:00Z","frequency_hz":50.01}])")
                .status,
            200);
  ASSERT_EQ(in.Request("POST", std::string(kStations) + "/WS-1/observations",
                       R"([{"timestamp":"2025-01-15T00:00:00Z","temperature_c":-3.5}])")
                .status,
            200);
  for (const char* meter : {"M-ALPHA", "M-DEL"}) {
    TestResponse edit =
        in.Request("PUT", ItemPath(kMeters, meter) + "/readings/2025-01-15T00:30:00Z",
                   R"({"energy_kwh":0.45,"reason":"read from the display","edited_by":"tester"})");
    ASSERT_EQ(edit.status, 200) << edit.body;
  }
  const int64_t alert = in.WaitForAlert("source=meter:M-ZULU");
  ASSERT_GT(alert, 0);
  ASSERT_EQ(in.Request("POST", "/api/v1/alerts/" + std::to_string(alert) + "/acknowledge",
                       R"({"by":"tester","note":"on it"})")
                .status,
            200);
  ASSERT_EQ(in.Request("DELETE", ItemPath(kMeters, "M-DEL")).status, 204);
  const std::string alpha_created = in.CreatedAt(kMeters, "M-ALPHA");
  ASSERT_EQ(in.server().Stop(), 0);
  {
    auto store = alerts::AlertStore::Open(in.server().data_dir() + "/registry.db");
    ASSERT_TRUE(store.has_value()) << store.status().message();
    ASSERT_TRUE((*store)
                    ->RecordDeadLetter({.alert_id = alert,
                                        .event = "alert.opened",
                                        .url = "https://hooks.example/x",
                                        .attempts = 3,
                                        .last_error = "HTTP 503",
                                        .payload = "{}",
                                        .failed_at_ms = 1700000000000})
                    .ok());
  }

  PostgresServer pg;
  MigrateUp(pg);
  ProgramResult r = Copy(in.server().data_dir(), pg.url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, ContainsRegex("meters +2 +2 +[0-9a-f]{16} +ok"));
  EXPECT_THAT(r.out, ContainsRegex("readings +6 +6 +[0-9a-f]{16} +ok"));
  EXPECT_THAT(r.out, ContainsRegex("reading_edits +2 +2 +[0-9a-f]{16} +ok"));
  EXPECT_THAT(r.out, HasSubstr("1 edit of a meter deleted since"));
  EXPECT_THAT(r.out, HasSubstr("verified: 11 tables, every row count and checksum matches"));

  auto db = Connect(pg);
  ASSERT_TRUE(db);
  EXPECT_EQ(Text(*db, "SELECT string_agg(id || '=' || key, ',' ORDER BY key) FROM meters"),
            "M-ZULU=1,M-ALPHA=2");
  EXPECT_EQ(FormatRfc3339(std::stoll(Text(*db,
                                          "SELECT created_at FROM meters WHERE id = "
                                          "'M-ALPHA'"))),
            alpha_created);
  EXPECT_EQ(Text(*db, "SELECT annual_consumption_kwh FROM meters WHERE id = 'M-ALPHA'"), "3500.5");
  // M-ALPHA's first interval, raw and revised, under its PostgreSQL key.
  EXPECT_EQ(Text(*db, fmt::format("SELECT string_agg(revision || ':' || energy_kwh, ',' ORDER BY "
                                  "revision) FROM readings WHERE meter_key = 2 AND ts = {}",
                                  t1)),
            "0:0.25,1:0.3");
  EXPECT_EQ(Text(*db, "SELECT count(*) FROM readings WHERE meter_key = 3"), "0")
      << "the deleted meter's readings stay behind, M-ALPHA's embedded key is not used";
  EXPECT_EQ(Text(*db,
                 "SELECT ts || '/' || revision FROM latest_samples WHERE kind = 1 AND "
                 "entity_key = 2"),
            std::to_string(t3) + "/0");
  EXPECT_EQ(Text(*db, "SELECT count(*) FROM readings_default"), "0") << "rows in day partitions";
  EXPECT_EQ(Text(*db, "SELECT string_agg(meter_block || '@' || hour, ',') FROM rollup_dirty"),
            fmt::format("0@{}", kJan15))
      << "the hour of the copied readings (meters 1 and 2: block 0) waits for the rollups";
  EXPECT_EQ(Text(*db,
                 "SELECT frequency_hz FROM grid_status g JOIN grid_operators o ON o.key = "
                 "g.operator_key WHERE o.id = 'OP-A'"),
            "50.01");
  EXPECT_EQ(Text(*db, "SELECT temperature_c FROM observations"), "-3.5");
  EXPECT_EQ(Text(*db,
                 "SELECT string_agg(meter_id || '@' || meter_key, ',' ORDER BY seq) FROM "
                 "reading_edits"),
            "M-ALPHA@2,M-DEL@0");
  EXPECT_EQ(Text(*db,
                 "SELECT state || ' ' || acknowledged_by || ' ' || source_id FROM alerts "
                 "WHERE id = " +
                     std::to_string(alert)),
            "ACKNOWLEDGED tester M-ZULU");
  EXPECT_EQ(Text(*db,
                 "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) - max(id) FROM "
                 "alerts"),
            "1")
      << "new alerts are numbered after the copied ones";
  EXPECT_EQ(Text(*db, "SELECT alert_id || ' ' || last_error FROM alert_dead_letters"),
            std::to_string(alert) + " HTTP 503");

  // Copying again finds the target full.
  ProgramResult again = Copy(in.server().data_dir(), pg.url());
  EXPECT_EQ(again.exit_code, 4) << again.err;
  EXPECT_THAT(again.err, ContainsRegex("is not empty: it holds 2 grid operators, 1 weather "
                                       "station, 2 meters, 2 edits, [0-9]+ alerts?, 1 dead "
                                       "letter, readings, grid_status, observations"));
}

// A server killed before it flushed leaves its data in the WAL only; the
// copy replays it and takes every revision, not only the raw and latest.
TEST(MigrateCopyTest, CopiesEveryRevisionOfDataOnlyInTheWal) {
  Installation in;
  in.Create(kMeters, R"({"id":"M-1"})");
  const int64_t t1 = kJan15 + kQuarter;
  for (double kwh : {0.1, 0.2, 0.3}) in.Readings("M-1", "[" + Reading(t1, kwh, 230) + "]");
  ASSERT_EQ(in.server().Stop(SIGKILL), 128 + SIGKILL);

  PostgresServer pg;
  MigrateUp(pg);
  ProgramResult r = Copy(in.server().data_dir(), pg.url(), {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  JsonDoc report(r.out);
  ASSERT_TRUE(report.ok()) << r.out;
  EXPECT_TRUE(report.Bool("/verified"));
  ASSERT_EQ(report.Size("/tables"), 11u);
  EXPECT_EQ(report.String("/tables/6/table"), "readings");
  EXPECT_EQ(report.Int("/tables/6/rows"), 3);
  EXPECT_EQ(report.Int("/tables/6/target_rows"), 3);
  EXPECT_EQ(report.String("/tables/6/checksum"), report.String("/tables/6/target_checksum"));
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  EXPECT_EQ(Text(*db,
                 "SELECT string_agg(revision || ':' || energy_kwh, ',' ORDER BY revision) "
                 "FROM readings"),
            "0:0.1,1:0.2,2:0.3");
}

// Readings of 70 meters (two blocks of 64) over three hours, one revised,
// written to the engine directly.
constexpr uint32_t kFleet = 70;
double FleetValue(uint32_t meter, int quarter) { return ((meter + quarter) % 8) * 0.125; }

void MakeFleetInstallation(const std::string& data_dir) {
  auto registry = store::SqliteRegistry::Open(data_dir);
  ASSERT_TRUE(registry.has_value()) << registry.status().message();
  std::vector<engine::wal::WalSample> samples;
  for (uint32_t m = 1; m <= kFleet; ++m) {
    model::Meter meter;
    meter.id = fmt::format("M-{:03}", m);
    ASSERT_TRUE((*registry)->meters().Create(meter).ok());
    ASSERT_EQ(*(*registry)->meters().KeyOf(meter.id), m);
    for (int q = 1; q <= 12; ++q) {
      engine::wal::WalSample s;
      s.entity_key = m;
      s.timestamp_ms = kJan15 + q * kQuarter;
      s.interval_s = 900;
      s.present = 1;  // energy_kwh
      s.values[0] = FleetValue(m, q);
      samples.push_back(s);
    }
  }
  auto engine = engine::ReadingsEngine::Open(FileSystem::Posix(), data_dir + "/engine");
  ASSERT_TRUE(engine.has_value()) << engine.status().message();
  ASSERT_TRUE((*engine)->Append(model::SeriesKind::kReading, samples).has_value());
  engine::wal::WalSample revised = samples[2];  // M-001, 00:45
  revised.values[0] = 2.5;
  ASSERT_TRUE((*engine)->Append(model::SeriesKind::kReading, std::vector{revised}).has_value());
  ASSERT_TRUE((*engine)->Close().ok());
}

// A copy marks every (block, hour) it wrote: without the marks the fleet
// sums would answer from hours that have no rollup row yet, as zeros. The
// rollup round then makes hour rows whose sums are the readings'.
TEST(MigrateCopyTest, CopiedReadingsAreMarkedForTheRollups) {
  TempDir dir;
  MakeFleetInstallation(dir.path());
  PostgresServer pg;
  MigrateUp(pg);
  ProgramResult r = Copy(dir.path(), pg.url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  const int64_t h = 3'600'000;
  EXPECT_EQ(Text(*db,
                 "SELECT string_agg(meter_block || '@' || hour, ',' ORDER BY hour, "
                 "meter_block) FROM rollup_dirty"),
            fmt::format("0@{0},1@{0},0@{1},1@{1},0@{2},1@{2}", kJan15, kJan15 + h, kJan15 + 2 * h));

  std::vector<uint32_t> keys;
  for (uint32_t m = 1; m <= kFleet; ++m) keys.push_back(m);
  const std::vector<int64_t> edges = {kJan15, kJan15 + h, kJan15 + 2 * h, kJan15 + 3 * h};
  auto before = store::SumFromRollupsMany(*db, keys, edges, 0);
  ASSERT_TRUE(before.has_value()) << before.status().message();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_FALSE((*before)[i].has_value()) << "meter " << keys[i] << " must be read raw";
  }

  for (;;) {
    auto round = store::RecomputeDirtyHours(*db, 100);
    ASSERT_TRUE(round.has_value()) << round.status().message();
    if (round->claims == 0) break;
  }
  auto after = store::SumFromRollupsMany(*db, keys, edges, 0);
  ASSERT_TRUE(after.has_value()) << after.status().message();
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE((*after)[i].has_value()) << "meter " << keys[i];
    const store::FieldBuckets& b = *(*after)[i];
    for (int hour = 0; hour < 3; ++hour) {
      double sum = 0;  // multiples of 1/8: exact in any order
      for (int q = hour * 4 + 1; q <= hour * 4 + 4; ++q) {
        sum += keys[i] == 1 && q == 3 ? 2.5 : FleetValue(keys[i], q);
      }
      EXPECT_EQ(b.samples[hour], 4u) << "meter " << keys[i] << " hour " << hour;
      EXPECT_EQ(b.sums[hour], sum) << "meter " << keys[i] << " hour " << hour;
    }
  }
}

// An installation with one grid operator, made without a server.
std::string SmallInstallation(const TempDir& dir) {
  auto registry = store::SqliteRegistry::Open(dir.path());
  EXPECT_TRUE(registry.has_value()) << registry.status().message();
  model::GridOperator op;
  op.id = "OP-1";
  op.name = "One";
  EXPECT_TRUE((*registry)->grid_operators().Create(op).ok());
  return dir.path();
}

// Rows changed on their way in (here by a trigger) are named, exit 1.
TEST(MigrateCopyTest, ARowChangedInTheTargetIsReportedAsAMismatch) {
  TempDir dir;
  const std::string data_dir = SmallInstallation(dir);
  {
    auto registry = store::SqliteRegistry::Open(data_dir);
    ASSERT_TRUE(registry.has_value());
    model::Meter meter;
    meter.id = "M-1";
    ASSERT_TRUE((*registry)->meters().Create(meter).ok());
    auto engine = engine::ReadingsEngine::Open(FileSystem::Posix(), data_dir + "/engine");
    ASSERT_TRUE(engine.has_value()) << engine.status().message();
    engine::wal::WalSample s;
    s.entity_key = *(*registry)->meters().KeyOf("M-1");
    s.timestamp_ms = kJan15 + kQuarter;
    s.interval_s = 900;
    s.present = 1;  // energy_kwh
    s.values[0] = 0.25;
    ASSERT_TRUE((*engine)->Append(model::SeriesKind::kReading, std::vector{s}).has_value());
    ASSERT_TRUE((*engine)->Close().ok());
  }
  PostgresServer pg;
  MigrateUp(pg);
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "NEW.energy_kwh := NEW.energy_kwh + 1; RETURN NEW; END $$; "
                       "CREATE TRIGGER tamper BEFORE INSERT ON readings FOR EACH ROW EXECUTE "
                       "FUNCTION tamper()")
                  .ok());
  ProgramResult r = Copy(data_dir, pg.url());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("readings +1 +1 +[0-9a-f]{16} +MISMATCH"));
  EXPECT_THAT(r.out, ContainsRegex("meters +1 +1 +[0-9a-f]{16} +ok"));
  EXPECT_THAT(r.out, Not(HasSubstr("verified:")));
  EXPECT_THAT(r.err, ContainsRegex("the copy does not match its source:\n  readings: 1 rows "
                                   "\\(checksum [0-9a-f]{16}\\) copied, 1 rows \\(checksum "
                                   "[0-9a-f]{16}\\) in PostgreSQL\n"));
  EXPECT_THAT(r.err, Not(HasSubstr("meters:")));
}

TEST(MigrateCopyTest, RefusesATargetThatHoldsData) {
  TempDir dir;
  PostgresServer pg;
  MigrateUp(pg);
  auto db = Connect(pg);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("INSERT INTO meters (id, type, status, segment, tariff, timezone, "
                       "register_multiplier, register_digits, register_decimals, created_at, "
                       "updated_at) VALUES ('X', 'electricity', 'active', 'residential', "
                       "'standard', 'UTC', 1, 6, 1, 0, 0)")
                  .ok());
  ProgramResult r = Copy(SmallInstallation(dir), pg.url());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is not empty: it holds 1 meter;"));
  EXPECT_EQ(Text(*db, "SELECT count(*) FROM grid_operators"), "0");
}

TEST(MigrateCopyTest, RefusesATargetNotMigratedToTheNewestSchema) {
  TempDir dir;
  PostgresServer pg;
  ProgramResult r = Copy(SmallInstallation(dir), pg.url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("has schema version 0"));
  EXPECT_THAT(r.err, HasSubstr("run `metrify migrate up` on it first"));
}

TEST(MigrateCopyTest, AnUnreachableDatabaseIsExit6WithoutThePassword) {
  TempDir dir;
  ProgramResult r = Copy(SmallInstallation(dir), "postgres://copier:s3cret@127.0.0.1:1/metrify");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1"));
  EXPECT_THAT(r.err, Not(HasSubstr("s3cret")));
}

TEST(MigrateCopyTest, FromMustNameAnEmbeddedDataDirectory) {
  TempDir dir;
  ProgramResult bare =
      RunCli({"migrate", "copy", "--from", dir.path(), "--to", "postgres://u@127.0.0.1:1/db"});
  EXPECT_EQ(bare.exit_code, 2) << bare.err;
  EXPECT_THAT(bare.err, HasSubstr("--from must be embedded:DIR"));

  PostgresServer pg;
  MigrateUp(pg);
  ProgramResult empty = Copy(dir.path(), pg.url());
  EXPECT_EQ(empty.exit_code, 2) << empty.err;
  EXPECT_THAT(empty.err, HasSubstr("is not the data directory of an embedded installation"));
}

TEST(MigrateCopyTest, RefusesAnInstallationAServerRunsOn) {
  Installation in;
  PostgresServer pg;
  MigrateUp(pg);
  ProgramResult r = Copy(in.server().data_dir(), pg.url());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is in use by"));
  EXPECT_THAT(r.err, HasSubstr("stop the server"));
}

}  // namespace
}  // namespace metrify::test
