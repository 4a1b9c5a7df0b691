// `metrify ingest` against a real server: CSV, NDJSON and JSON files (and
// standard input) stored and summed up, rejected items named by FILE:LINE
// across chunk boundaries, --json, the one-entity path, whole-batch
// refusals, and the exit codes. A scripted fake server stands in for the
// 503 back-pressure that a real one gives only under memory pressure.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliIngestTest : public ServerTest {
 protected:
  ProgramResult Cli(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server().url());
    return RunCli(args);
  }
  void Meter(std::string_view id) {
    ASSERT_EQ(Post(kMeters, "{\"id\":\"" + std::string(id) + "\"}").status, 201) << id;
  }
  // Raw readings of `meter` on 2025-01-15 (UTC).
  JsonDoc Day(std::string_view meter) {
    TestResponse r = Get(std::string(kMeters) + "/" + std::string(meter) +
                         "/readings?version=raw&start=2025-01-15T00:00:00Z&end=2025-01-16T00:00:00Z");
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
  // The lines of `text` that start with `prefix`.
  static std::vector<std::string> LinesStartingWith(const std::string& text,
                                                    std::string_view prefix) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (line.starts_with(prefix)) out.push_back(line);
      start = end + 1;
    }
    return out;
  }
  TempDir dir_;
};

TEST_F(CliIngestTest, CsvAndNdjsonFilesAreStoredAndSummedUp) {
  Meter("ING-CSV-1");
  Meter("ING-ND-1");
  std::string csv = dir_.WriteFile("day.csv",
                                   "meter_id,timestamp,energy_kwh,voltage_v\r\n"
                                   "ING-CSV-1,2025-01-15T00:15:00Z,0.25,230.1\r\n"
                                   "\r\n"
                                   "ING-CSV-1,2025-01-15T00:30:00Z,0.5,\r\n"
                                   "ING-CSV-1,2025-01-15T00:45:00Z,0.75,229\r\n");
  std::string ndjson = dir_.WriteFile(
      "day.ndjson",
      "{\"meter_id\":\"ING-ND-1\",\"timestamp\":\"2025-01-15T01:15:00+01:00\",\"energy_kwh\":1}\n"
      "\n"
      "{\"meter_id\":\"ING-ND-1\",\"timestamp\":1736901900000,\"energy_kwh\":2}\n");
  ProgramResult r = Cli({"ingest", csv, ndjson, "--batch", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("2 files, 5 items: 5 accepted (5 inserted, 0 unchanged, 0 "
                                "revised), 0 rejected in "));
  EXPECT_EQ(r.err, "") << "no progress line when stderr is not a terminal";
  JsonDoc csv_day = Day("ING-CSV-1");
  ASSERT_EQ(csv_day.Int("/count"), 3) << csv_day.text();
  EXPECT_EQ(csv_day.Number("/readings/0/voltage_v"), 230.1);
  EXPECT_FALSE(csv_day.Has("/readings/1/voltage_v"));
  EXPECT_EQ(Day("ING-ND-1").Int("/count"), 2);

  ProgramResult again = Cli({"ingest", csv, ndjson});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("5 accepted (0 inserted, 5 unchanged, 0 revised)"));
}

// Bad items in both files, on both sides of chunk boundaries (--batch 2),
// after blank lines and after a quoted cell that spans two lines: each is
// named by its own file line, and the good items are stored.
TEST_F(CliIngestTest, RejectedItemsAreNamedByFileAndLine) {
  Meter("ING-BAD-1");
  std::string csv = dir_.WriteFile("bad.csv",
                                   "meter_id,timestamp,energy_kwh\n"                // 1
                                   "ING-BAD-1,2025-01-15T00:15:00Z,0.1\n"           // 2
                                   "ING-BAD-1,2025-01-15T00:30:00,0.2\n"            // 3 no offset
                                   "\n"                                             // 4
                                   "ING-BAD-1,2025-01-15T00:45:00Z,\"0.3\n0.4\"\n"  // 5-6
                                   "ING-BAD-1,2025-01-15T01:00:00Z,0.5\n"           // 7
                                   ",,\n"                                           // 8
                                   "NOT-REGISTERED,2025-01-15T01:15:00Z,0.6\n"      // 9
                                   "ING-BAD-1,2025-01-15T01:30:00Z,0.7,extra\n");   // 10
  std::string ndjson = dir_.WriteFile(
      "bad.ndjson",
      "{\"meter_id\":\"ING-BAD-1\",\"timestamp\":\"2025-01-15T02:00:00Z\",\"energy_kwh\":1}\n"  // 1
      "not json\n"                                                                              // 2
      "\n"                                                                                      // 3
      "{\"meter_id\":\"ING-BAD-1\",\"timestamp\":\"2025-01-15T02:15:00Z\"}\n");                 // 4
  ProgramResult r = Cli({"ingest", csv, ndjson, "--batch", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(
      LinesStartingWith(r.err, dir_.path()),
      ElementsAre(
          StartsWith(csv + ":3: timestamp_without_offset: "), StartsWith(csv + ":5: wrong_type: "),
          StartsWith(csv + ":9: unknown_entity: "), StartsWith(csv + ":10: malformed_item: "),
          StartsWith(ndjson + ":2: malformed_item: "), StartsWith(ndjson + ":4: no_values: ")));
  EXPECT_THAT(r.out, StartsWith("2 files, 9 items: 3 accepted (3 inserted, 0 unchanged, 0 "
                                "revised), 6 rejected in "));
  EXPECT_EQ(Day("ING-BAD-1").Int("/count"), 3);
}

TEST_F(CliIngestTest, JsonPrintsTheSummaryAndEveryRejection) {
  Meter("ING-JSON-1");
  std::string body = "meter_id,timestamp,energy_kwh\n";
  for (int i = 0; i < 105; ++i) body += "ING-JSON-1,not-a-time," + std::to_string(i) + "\n";
  body += "ING-JSON-1,2025-01-15T00:15:00Z,1\n";
  std::string csv = dir_.WriteFile("many.csv", body);

  ProgramResult text = Cli({"ingest", csv, "--batch", "50"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(LinesStartingWith(text.err, csv + ":").size(), 100u);
  EXPECT_THAT(text.err, HasSubstr("... and 5 more rejected items (--json lists them all)"));

  ProgramResult json = Cli({"ingest", csv, "--batch", "50", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(json.err, "");
  JsonDoc summary(json.out);
  ASSERT_TRUE(summary.ok()) << json.out;
  EXPECT_EQ(summary.Int("/files"), 1);
  EXPECT_EQ(summary.Int("/items"), 106);
  EXPECT_EQ(summary.Int("/accepted"), 1);
  EXPECT_EQ(summary.Int("/unchanged"), 1) << "the text run stored it already";
  EXPECT_EQ(summary.Int("/rejected"), 105);
  EXPECT_TRUE(summary.Has("/seconds"));
  EXPECT_TRUE(summary.Has("/items_per_second"));
  EXPECT_TRUE(summary.IsNull("/error"));
  ASSERT_EQ(summary.Size("/errors"), 105u);
  EXPECT_EQ(summary.String("/errors/0/file"), csv);
  EXPECT_EQ(summary.Int("/errors/0/line"), 2);
  EXPECT_EQ(summary.Int("/errors/104/line"), 106);
  EXPECT_EQ(summary.String("/errors/104/code"), "invalid_timestamp");
  EXPECT_EQ(summary.String("/errors/104/field"), "timestamp");
  EXPECT_THAT(summary.String("/errors/104/message"), HasSubstr("not-a-time"));
}

TEST_F(CliIngestTest, JsonArrayFilesAreSplitBetweenElements) {
  Meter("ING-ARR-1");
  std::string file = dir_.WriteFile(
      "pretty.json",
      "[\n"
      "  {\"meter_id\": \"ING-ARR-1\", \"timestamp\": \"2025-01-15T00:15:00Z\",\n"  // 2
      "   \"energy_kwh\": 0.1},\n"
      "  {\"meter_id\": \"ING-ARR-1\", \"timestamp\": \"2025-01-15T00:30:00Z\", \"energy_kwh\": "
      "0.2},\n"
      "  {\"meter_id\": \"ING-ARR-1\", \"energy_kwh\": 0.3},\n"  // 5
      "  {\"meter_id\": \"ING-ARR-1\", \"timestamp\": \"2025-01-15T00:45:00Z\", \"energy_kwh\": "
      "0.4}\n"
      "]\n");
  ProgramResult r = Cli({"ingest", file, "--batch", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(file + ":5: missing_timestamp: "));
  EXPECT_THAT(r.out, HasSubstr("4 items: 3 accepted"));
  EXPECT_EQ(Day("ING-ARR-1").Int("/count"), 3);
}

TEST_F(CliIngestTest, StandardInputIsNdjson) {
  Meter("ING-STDIN-1");
  ProgramResult r = RunProgram(
      {METRIFY_BINARY, "ingest", "-", "--server", server().url(), "--quiet"}, {},
      "{\"meter_id\":\"ING-STDIN-1\",\"timestamp\":\"2025-01-15T00:15:00Z\",\"energy_kwh\":1}\n"
      "{\"meter_id\":\"ING-STDIN-1\",\"timestamp\":\"2025-01-15T00:30:00Z\",\"energy_kwh\":x}\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "") << "--quiet prints no summary";
  EXPECT_THAT(r.err, HasSubstr("-:2: malformed_item: "));
  EXPECT_EQ(Day("ING-STDIN-1").Int("/count"), 1);
}

TEST_F(CliIngestTest, EntityPathTakesItemsWithoutTheirId) {
  Meter("ING-ONE-1");
  std::string csv = dir_.WriteFile(
      "one.csv", "timestamp,energy_kwh\n2025-01-15T00:15:00Z,1\n2025-01-15T00:30:00Z,2\n");
  ProgramResult r = Cli({"ingest", csv, "--entity", "ING-ONE-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Day("ING-ONE-1").Int("/count"), 2);

  ProgramResult unknown = Cli({"ingest", csv, "--entity", "ING-NOBODY"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_THAT(unknown.err, HasSubstr("ING-NOBODY"));
}

TEST_F(CliIngestTest, GridStatusIsPostedToTheOperatorsPath) {
  ASSERT_EQ(Post(kOperators, R"({"id":"ING-TSO-1","name":"Ingest TSO"})").status, 201);
  std::string csv =
      dir_.WriteFile("status.csv", "timestamp,frequency_hz\n2025-01-15T00:00:00Z,50.01\n");
  ProgramResult missing = Cli({"ingest", csv, "--kind", "grid-status"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--entity"));
  ProgramResult r = Cli({"ingest", csv, "--kind", "grid-status", "--entity", "ING-TSO-1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 file, 1 items: 1 accepted"));
}

// A batch the server cannot read at all stops the run with 5; what earlier
// files stored is still summed up.
TEST_F(CliIngestTest, UnreadableBatchStopsWithTheServersMessage) {
  Meter("ING-HDR-1");
  std::string good = dir_.WriteFile(
      "good.ndjson",
      "{\"meter_id\":\"ING-HDR-1\",\"timestamp\":\"2025-01-15T00:15:00Z\",\"energy_kwh\":1}\n");
  std::string bad = dir_.WriteFile(
      "bad-header.csv", "meter_id,timestamp,colour\nING-HDR-1,2025-01-15T00:30:00Z,red\n");
  ProgramResult r = Cli({"ingest", good, bad});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, AllOf(HasSubstr(bad + " (items on lines 2-2): "), HasSubstr("colour")));
  EXPECT_THAT(r.out, HasSubstr("2 files, 1 items: 1 accepted"));

  std::string broken = dir_.WriteFile("broken.json", "[{\"a\":1},,]");
  ProgramResult json = Cli({"ingest", broken});
  EXPECT_EQ(json.exit_code, 5);
  EXPECT_THAT(json.err, HasSubstr(broken + ": line 1: empty array element"));
}

TEST_F(CliIngestTest, UsageErrorsComeBeforeAnythingIsSent) {
  ProgramResult missing = Cli({"ingest", dir_.path() + "/nothing.csv"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read"));
  std::string txt = dir_.WriteFile("readings.txt", "x\n");
  ProgramResult unknown = Cli({"ingest", txt});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--format"));
  ProgramResult batch = Cli({"ingest", txt, "--format", "csv", "--batch", "0"});
  EXPECT_EQ(batch.exit_code, 2);
}

TEST_F(CliIngestTest, UnreachableServerExitsSix) {
  std::string csv = dir_.WriteFile("x.csv", "meter_id,timestamp,energy_kwh\n");
  ProgramResult r =
      RunCli({"ingest", csv, "--server", "http://127.0.0.1:" + std::to_string(FreeTcpPort())});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_THAT(r.err, HasSubstr("cannot connect"));
}

TEST(CliIngestHelpTest, HelpHasOptionsExamplesAndExitCodes) {
  ProgramResult r = RunCli({"ingest", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* mention : {"--batch", "--kind", "--entity", "--format", "--json", "--quiet",
                              "--retry-for", "--server", "Examples:", "Exit codes:"}) {
    EXPECT_THAT(r.out, HasSubstr(mention));
  }
}

// An HTTP server on one thread that answers the n-th request with
// answers[min(n, last)] and keeps every request body.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> answers) : answers_(std::move(answers)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 4);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

  static std::string Answer(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
           (status == 503 ? "Retry-After: 1\r\n" : "") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

 private:
  bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 100) > 0;
  }
  void Serve() {
    while (!stop_) {
      if (!Readable(listener_)) continue;
      int connection = accept(listener_, nullptr, nullptr);
      std::string pending;
      while (!stop_ && ServeOne(connection, &pending)) {
      }
      close(connection);
    }
  }
  // Reads one request and answers it; false when the client closed.
  bool ServeOne(int connection, std::string* pending) {
    size_t head_end;
    while ((head_end = pending->find("\r\n\r\n")) == std::string::npos) {
      if (!Read(connection, pending)) return false;
    }
    std::string head = pending->substr(0, head_end);
    for (char& c : head) c = static_cast<char>(std::tolower(c));
    size_t at = head.find("content-length:");
    size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
    while (pending->size() < head_end + 4 + length) {
      if (!Read(connection, pending)) return false;
    }
    size_t n;
    {
      std::lock_guard lock(mu_);
      bodies_.push_back(pending->substr(head_end + 4, length));
      n = bodies_.size() - 1;
    }
    pending->erase(0, head_end + 4 + length);
    const std::string& answer = answers_[std::min(n, answers_.size() - 1)];
    return write(connection, answer.data(), answer.size()) == static_cast<ssize_t>(answer.size());
  }
  bool Read(int connection, std::string* pending) {
    while (!stop_ && !Readable(connection)) {
    }
    char buffer[4096];
    ssize_t n = stop_ ? 0 : read(connection, buffer, sizeof buffer);
    if (n <= 0) return false;
    pending->append(buffer, static_cast<size_t>(n));
    return true;
  }

  std::vector<std::string> answers_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
};

const std::string kOverloaded = ScriptedServer::Answer(
    503,
    R"({"error":{"code":"overloaded","message":"ingest is ahead of the disk; retry shortly"}})");
const std::string kStored = ScriptedServer::Answer(
    200, R"({"items":1,"accepted":1,"rejected":0,"inserted":1,"unchanged":0,"revised":0,)"
         R"("registered":0,"errors":[]})");

TEST(CliIngestBackPressureTest, OverloadedBatchIsResentUnchanged) {
  TempDir dir;
  std::string csv = dir.WriteFile("x.csv", "meter_id,timestamp,energy_kwh\nM,1736900100000,1\n");
  ScriptedServer fake({kOverloaded, kStored});
  ProgramResult r = RunCli({"ingest", csv, "--server", fake.url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 items: 1 accepted"));
  std::vector<std::string> bodies = fake.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], bodies[1]);
}

TEST(CliIngestBackPressureTest, StillOverloadedAfterRetryForExitsSix) {
  TempDir dir;
  std::string csv = dir.WriteFile("x.csv", "meter_id,timestamp,energy_kwh\nM,1736900100000,1\n");
  ScriptedServer fake({kOverloaded});
  ProgramResult r = RunCli({"ingest", csv, "--server", fake.url(), "--retry-for", "0"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_THAT(r.err, HasSubstr("still overloaded (503) after 0 s"));
  EXPECT_THAT(r.err, Not(HasSubstr("metrify serve")));
  EXPECT_EQ(fake.bodies().size(), 1u);
}

}  // namespace
}  // namespace metrify::test
