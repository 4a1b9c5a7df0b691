// The same API, the same answers: one script of writes is sent to an
// embedded `metrify serve` and to scaled mode (serve with mode scaled, an
// ingest worker, PostgreSQL and the Kafka-protocol broker), then every read
// of the script is asked of both and the answers compared byte for byte,
// after masking what is meant to differ (the instants entities were created
// or edited, and ingest's inserted/unchanged/revised, which scaled mode's
// API cannot know and reports as queued).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "support/http_client.h"
#include "support/quality_data.h"
#include "support/scaled_cluster.h"

namespace metrify::test {
namespace {

constexpr int64_t kJun01 = 1748736000000;  // 2025-06-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;

struct Call {
  std::string method, target, body, content_type = "application/json";
};

// What every answer may differ in: wall-clock instants and request ids.
std::string Masked(std::string body) {
  static const std::regex kInstants(
      R"re("(created_at|updated_at|edited_at|acknowledged_at|resolved_at|generated_at|request_id)":"[^"]*")re");
  return std::regex_replace(body, kInstants, "\"$1\":\"*\"");
}

// The writes, in order. Meters with a gap, a spike and a revision; grid
// status and weather; an edit comes later (after validation).
std::vector<Call> Writes() {
  std::vector<Call> w;
  w.push_back({"POST", "/api/v1/grid-operators", R"({"id":"TSO1","name":"Grid One"})"});
  w.push_back({"POST", "/api/v1/weather/stations",
               R"({"id":"WS1","name":"Berlin","latitude":52.5,"longitude":13.4})"});
  w.push_back(
      {"POST", "/api/v1/smart-meters",
       R"({"id":"SM1","grid_operator_id":"TSO1","segment":"residential","city":"Berlin"})"});
  w.push_back({"POST", "/api/v1/smart-meters", R"({"id":"SM2","segment":"commercial"})"});
  w.push_back({"POST", "/api/v1/smart-meters", R"({"id":"SM3"})"});
  w.push_back({"PATCH", "/api/v1/smart-meters/SM3", R"({"city":"Hamburg"})"});
  const int64_t from = kJun01 - 2 * kHour;  // local midnight, Berlin summer
  const int64_t gap = kJun01 + 10 * kHour;
  w.push_back(
      {"POST", "/api/v1/readings",
       CycleReadings("SM1", from, from + 2 * kDayMs, 1, {gap + kQuarterMs, gap + 2 * kQuarterMs}),
       "application/x-ndjson"});
  w.push_back({"POST", "/api/v1/readings", CycleReadings("SM2", from, from + 2 * kDayMs, 4),
               "application/x-ndjson"});
  w.push_back({"POST", "/api/v1/readings", CycleReadings("SM3", from, from + kDayMs, 2),
               "application/x-ndjson"});
  // A revision of one reading and a spike.
  w.push_back({"POST", "/api/v1/smart-meters/SM2/readings",
               R"([{"timestamp":"2025-06-01T12:00:00Z","energy_kwh":1.5},)"
               R"({"timestamp":"2025-06-01T13:00:00Z","energy_kwh":40}])"});
  std::string status, weather;
  for (int i = 1; i <= 8; ++i) {
    const int64_t ts = kJun01 + i * kQuarterMs;
    status += "{\"timestamp\":" + std::to_string(ts) +
              ",\"frequency_hz\":" + std::to_string(50 + 0.01 * (i % 3)) +
              ",\"load_mw\":" + std::to_string(1000 + i) + "}\n";
    weather += "{\"timestamp\":" + std::to_string(kJun01 + i * kHour) +
               ",\"temperature_c\":" + std::to_string(15 + i) + "}\n";
  }
  w.push_back({"POST", "/api/v1/grid-operators/TSO1/status", status, "application/x-ndjson"});
  w.push_back(
      {"POST", "/api/v1/weather/stations/WS1/observations", weather, "application/x-ndjson"});
  return w;
}

std::vector<std::string> Reads() {
  const std::string day = "start=2025-05-31T22:00:00Z&end=2025-06-02T22:00:00Z";
  std::vector<std::string> r = {
      "/api/v1/smart-meters",
      "/api/v1/smart-meters?segment=residential",
      "/api/v1/smart-meters/SM3",
      "/api/v1/grid-operators/TSO1",
      "/api/v1/weather/stations",
      "/api/v1/readings/latest",
      "/api/v1/grid-operators/TSO1/status?" + day,
      "/api/v1/weather/stations/WS1/observations?" + day + "&interval=1d&aggregate=mean",
      "/api/v1/smart-meters/SM1/edits?" + day,
      "/api/v1/analytics/consumption?" + day + "&interval=1d",
      "/api/v1/quality/summary?start=2025-06-01&end=2025-06-03",
      "/api/v1/alerts",
  };
  for (const char* meter : {"SM1", "SM2", "SM3"}) {
    const std::string base = std::string("/api/v1/smart-meters/") + meter + "/readings?" + day;
    r.push_back(base);
    r.push_back(base + "&version=raw");
    r.push_back(base + "&interval=1h");
    r.push_back(base + "&interval=1d&timezone=Europe/Berlin");
    r.push_back(base + "&format=csv");
    r.push_back(std::string("/api/v1/quality/meters/") + meter +
                "?start=2025-06-01&end=2025-06-03");
  }
  return r;
}

TestResponse Send(TestHttpClient& http, const Call& c) {
  if (c.method == "POST") return http.Post(c.target, c.body, c.content_type);
  if (c.method == "PUT") return http.Put(c.target, c.body, c.content_type);
  return http.Request(c.method, c.target, c.body, {{"Content-Type", c.content_type}});
}

// Where two answers part: a window of each around the first difference.
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i < 120 ? 0 : i - 120;
  return "embedded: ..." + a.substr(from, 240) + "\nscaled:   ..." + b.substr(from, 240);
}

int64_t CountRows(ScaledCluster& cluster, const std::string& count_query) {
  auto db = store::PgConnection::Connect(cluster.postgres().url(), std::chrono::seconds(10));
  if (!db.has_value()) return -1;
  auto rows = (*db)->Query(count_query);
  return rows.has_value() ? rows->Int(0, 0) : -1;
}

int64_t StoredReadings(ScaledCluster& cluster) {
  return CountRows(cluster, "SELECT count(*) FROM readings");
}

// Hours waiting for `metrify worker process`: rollups and quality reports.
int64_t MarksLeft(ScaledCluster& cluster) {
  return CountRows(cluster,
                   "SELECT (SELECT count(*) FROM rollup_dirty) + (SELECT count(*) FROM "
                   "quality_dirty)");
}

// Asks every read of the script of both; returns how many answers differ.
int CompareReads(TestHttpClient& embedded, TestHttpClient& scaled, std::string_view when) {
  int differing = 0;
  for (const std::string& target : Reads()) {
    TestResponse a = embedded.Get(target), b = scaled.Get(target);
    EXPECT_EQ(a.status, b.status) << target << " (" << when << ")";
    EXPECT_TRUE(Masked(a.body) == Masked(b.body))
        << target << " (" << when << ")\n"
        << FirstDifference(Masked(a.body), Masked(b.body));
    differing += Masked(a.body) != Masked(b.body);
  }
  return differing;
}

TEST(ApiParityTest, ScaledModeAnswersAsEmbeddedModeDoes) {
  ServerProcess embedded;
  ScaledCluster cluster;
  ServerProcess& scaled = cluster.StartApi();
  cluster.StartWorker(0);
  TestHttpClient e("127.0.0.1", embedded.port());
  TestHttpClient s("127.0.0.1", scaled.port());
  TestHttpClient worker("127.0.0.1", cluster.worker_port(0));

  for (const Call& c : Writes()) {
    TestResponse a = Send(e, c), b = Send(s, c);
    ASSERT_EQ(a.status, b.status) << c.method << " " << c.target << "\n"
                                  << a.body << "\n"
                                  << b.body;
    ASSERT_LT(a.status, 300) << c.target << ": " << a.body;
  }
  // Scaled mode stores asynchronously: wait for the worker, then for VEE.
  // SM1 two days less a gap of two, SM2 two days and two revisions, SM3 a day.
  const int64_t want = 192 - 2 + 192 + 2 + 96;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (StoredReadings(cluster) < want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(StoredReadings(cluster), want) << cluster.worker_log(0);
  WaitForValidation(e);
  WaitForValidation(worker);
  // An edit, once validation has run, through both.
  const Call edit{"PUT", "/api/v1/smart-meters/SM1/readings/2025-06-01T10:30:00Z",
                  R"({"energy_kwh":0.3,"reason":"meter read on site","edited_by":"alice"})"};
  TestResponse ea = Send(e, edit), eb = Send(s, edit);
  EXPECT_EQ(ea.status, eb.status);
  EXPECT_TRUE(Masked(ea.body) == Masked(eb.body))
      << FirstDifference(Masked(ea.body), Masked(eb.body));
  // Scaled mode: the worker validates the edited day again on the edit's
  // notice, which follows the meter's readings on its partition.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  WaitForValidation(e);
  WaitForValidation(worker);

  EXPECT_EQ(CompareReads(e, s, "computed from the rows"), 0);

  // Once `metrify worker process` has caught up, scaled mode answers the
  // fleet's energy from the hourly rollups and the overlay (read for all
  // meters at once) and quality from the stored days: the same bytes.
  cluster.StartProcessRole(0);
  const auto caught_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (MarksLeft(cluster) != 0 && std::chrono::steady_clock::now() < caught_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(MarksLeft(cluster), 0);
  EXPECT_GT(CountRows(cluster, "SELECT count(*) FROM readings_hourly"), 0);
  EXPECT_GT(CountRows(cluster, "SELECT count(*) FROM quality_daily"), 0);
  EXPECT_EQ(CompareReads(e, s, "from rollups and stored quality days"), 0);
}

}  // namespace
}  // namespace metrify::test
