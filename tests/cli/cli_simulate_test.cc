// `metrify simulate` end to end, against real servers (issue 4): a server fed
// by --to stores exactly what --out writes, once those files are loaded with
// the real `metrify ... import` and `metrify ingest` (registries, and every
// series sample by sample); the stored samples are the files' rows with the
// faults as documented (a duplicate stored once, a late reading stored, a
// drifted reading under its drifted timestamp); the fleet files round-trip
// through the registry; and rows a server rejects fail a --to run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "parse/timestamp.h"
#include "support/http_client.h"
#include "support/json_doc.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kQuarterMs = 900'000;

// 40 meters over two days at a high fault rate: about 40 meter faults, so
// duplicates, late windows and clock drifts each show several times (seed
// 1920: 5, 8 and 5), and a change to the fault plan still leaves some.
const std::vector<std::string> kSimulation = {
    "simulate", "--meters",   "40",       "--operators", "4", "--stations", "20",  //
    "--start",  "2025-01-13", "--end",    "2025-01-15",                            //
    "--seed",   "1920",       "--faults", "0.5"};
// Wide enough for every sample of the run, drifted and late ones included.
constexpr std::string_view kRange = "?start=2025-01-12T00:00:00Z&end=2025-01-17T00:00:00Z";

// A series kind as the files and the API name it.
struct Kind {
  std::string dir;        // folder of the --out directory
  std::string base;       // registry resource of its entities
  std::string list;       // path below an entity, and the key of its samples
  std::string ingest;     // `metrify ingest --kind`
  std::string fleet_csv;  // the registry file of its entities
};
const Kind kReadings{"readings", "/api/v1/smart-meters", "readings", "readings", "meters.csv"};
const Kind kGridStatus{"grid-status", "/api/v1/grid-operators", "status", "grid-status",
                       "operators.csv"};
const Kind kObservations{"observations", "/api/v1/weather/stations", "observations", "observations",
                         "stations.csv"};

// ---- Files -------------------------------------------------------------

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << path;
  return text.str();
}

using CsvRecord = std::vector<std::string>;

// The records of a CSV text, header first; quoted cells as RFC 4180.
std::vector<CsvRecord> ParseCsv(std::string_view text) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      cell += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      record.push_back(std::exchange(cell, {}));
    } else if (!quoted && c == '\n') {
      record.push_back(std::exchange(cell, {}));
      records.push_back(std::exchange(record, {}));
    } else {
      cell += c;
    }
  }
  EXPECT_TRUE(cell.empty() && record.empty()) << "a CSV file ends in a line break";
  return records;
}

// The files of a folder by name: the day files of readings in date order.
std::vector<fs::path> FilesOf(const fs::path& dir) {
  std::vector<fs::path> files{fs::directory_iterator(dir), fs::directory_iterator()};
  std::sort(files.begin(), files.end());
  return files;
}

int64_t EpochMs(std::string_view timestamp) {
  std::optional<int64_t> ms = parse::ParseTimestamp(timestamp);
  EXPECT_TRUE(ms.has_value()) << timestamp;
  return ms.value_or(-1);
}

double Number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  EXPECT_TRUE(!text.empty() && *end == '\0') << "not a number: \"" << text << "\"";
  return v;
}

// A sample's values by field (readings include interval_s); absent fields
// (empty cells, members left out) are not in it.
using Values = std::map<std::string, double>;

// One row of a row file, in the order the simulator wrote it.
struct FileRow {
  std::string entity;
  int64_t timestamp_ms = 0;
  Values values;
};

// The rows of a kind's files: readings day by day, the other kinds one file
// per entity (their order across entities does not matter).
std::vector<FileRow> ReadRows(const fs::path& out, const Kind& kind) {
  std::vector<FileRow> rows;
  for (const fs::path& file : FilesOf(out / kind.dir)) {
    const std::vector<CsvRecord> records = ParseCsv(ReadFile(file));
    const CsvRecord& header = records.at(0);
    for (size_t r = 1; r < records.size(); ++r) {
      const CsvRecord& cells = records[r];
      EXPECT_EQ(cells.size(), header.size()) << file << " record " << r;
      FileRow row{cells.at(0), EpochMs(cells.at(1)), {}};
      for (size_t c = 2; c < cells.size() && c < header.size(); ++c) {
        if (!cells[c].empty()) row.values[header[c]] = Number(cells[c]);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// Samples of one entity by timestamp; of all entities by id.
using Series = std::map<int64_t, Values>;
using Store = std::map<std::string, Series>;

struct IngestCounts {
  int64_t inserted = 0, unchanged = 0, revised = 0;
};

// What a server holds once `rows` arrive in order (docs/api.md, Ingest): a
// new timestamp is inserted, the same values again change nothing, other
// values are a revision, which reads return. Adds to `store`.
IngestCounts Apply(const std::vector<FileRow>& rows, Store& store) {
  IngestCounts counts;
  for (const FileRow& row : rows) {
    auto [it, inserted] = store[row.entity].try_emplace(row.timestamp_ms, row.values);
    if (inserted) {
      ++counts.inserted;
    } else if (it->second == row.values) {
      ++counts.unchanged;
    } else {
      it->second = row.values;
      ++counts.revised;
    }
  }
  return counts;
}

struct FaultRecord {
  std::string kind, source;
  int64_t start_ms = 0, end_ms = 0;
  double magnitude = 0;
};

std::vector<FaultRecord> ReadFaults(const fs::path& out) {
  const std::vector<CsvRecord> records = ParseCsv(ReadFile(out / "faults.csv"));
  EXPECT_EQ(records.at(0),
            (CsvRecord{"kind", "source_kind", "source_id", "start", "end", "magnitude"}));
  std::vector<FaultRecord> faults;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& c = records[r];
    faults.push_back({c.at(0), c.at(2), EpochMs(c.at(3)), EpochMs(c.at(4)), Number(c.at(5))});
  }
  return faults;
}

std::vector<FaultRecord> OfKind(const std::vector<FaultRecord>& faults, std::string_view kind) {
  std::vector<FaultRecord> out;
  std::copy_if(faults.begin(), faults.end(), std::back_inserter(out),
               [&](const FaultRecord& f) { return f.kind == kind; });
  return out;
}

// ---- Servers ---------------------------------------------------------

// `metrify ARGS --server URL`, which must succeed; returns its stdout.
std::string Cli(std::vector<std::string> args, const ServerProcess& server) {
  args.insert(args.end(), {"--server", server.url()});
  ProgramResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n" << r.err << r.out;
  return r.out;
}

// Loads an --out directory as an operator would: the registry files with
// `metrify operators|stations|meters import`, then the row files with
// `metrify ingest` in the order the simulator wrote them. Returns how the
// server counted the readings.
IngestCounts LoadWithCli(const fs::path& out, const ServerProcess& server) {
  for (const Kind* kind : {&kGridStatus, &kObservations, &kReadings}) {
    const std::string file = (out / kind->fleet_csv).string();
    const std::string group = kind == &kReadings     ? "meters"
                              : kind == &kGridStatus ? "operators"
                                                     : "stations";
    JsonDoc report(Cli({group, "import", file, "--json"}, server));
    EXPECT_EQ(report.Int("/created"), report.Int("/rows")) << file;
    EXPECT_EQ(report.Int("/rows"), static_cast<int64_t>(ParseCsv(ReadFile(file)).size() - 1));
  }
  std::vector<std::string> ingest = {"ingest", "--json"};
  for (const fs::path& day : FilesOf(out / kReadings.dir)) ingest.push_back(day.string());
  JsonDoc summary(Cli(ingest, server));
  for (const Kind* kind : {&kGridStatus, &kObservations}) {
    for (const fs::path& file : FilesOf(out / kind->dir)) {
      Cli({"ingest", "--quiet", "--kind", kind->ingest, "--entity", file.stem().string(),
           file.string()},
          server);
    }
  }
  EXPECT_EQ(summary.Int("/rejected"), 0) << summary.text();
  return {summary.Int("/inserted"), summary.Int("/unchanged"), summary.Int("/revised")};
}

// An item of a registry listing as compact JSON, without the times the
// server sets (created_at, updated_at), which two servers never share.
std::string WithoutServerTimes(simdjson::dom::object item) {
  std::string out = "{";
  for (auto [key, value] : item) {
    if (key == "created_at" || key == "updated_at") continue;
    if (out.size() > 1) out += ',';
    out += "\"" + std::string(key) + "\":" + simdjson::minify(value);
  }
  return out + "}";
}

// Every item of a registry resource by id, page by page (16 a page, so the
// meters take three).
std::map<std::string, std::string> Registry(TestHttpClient& http, const std::string& base) {
  std::map<std::string, std::string> items;
  int64_t total = -1;
  for (int page = 1; page < 100; ++page) {
    TestResponse r = http.Get(base + "?page_size=16&page=" + std::to_string(page));
    EXPECT_EQ(r.status, 200) << base << ": " << r.body;
    JsonDoc doc(r.body);
    total = doc.Int("/total_count");
    simdjson::dom::array list;
    if (doc.root()["items"].get(list)) break;
    for (simdjson::dom::element item : list) {
      items[std::string(item["id"].get_string().value())] =
          WithoutServerTimes(item.get_object().value());
    }
    if (!doc.Bool("/has_next")) break;
  }
  EXPECT_EQ(static_cast<int64_t>(items.size()), total) << base;
  return items;
}

// The raw samples of one entity over the whole run, as the server answers.
std::string SeriesBody(TestHttpClient& http, const Kind& kind, const std::string& id) {
  const std::string version = kind.list == "readings" ? "&version=raw" : "";
  TestResponse r = http.Get(kind.base + "/" + id + "/" + kind.list + std::string(kRange) + version);
  EXPECT_EQ(r.status, 200) << id << ": " << r.body.substr(0, 300);
  return r.body;
}

Series ParseSeries(const std::string& body, const Kind& kind) {
  Series series;
  JsonDoc doc(body);
  simdjson::dom::array samples;
  if (doc.root()[kind.list].get(samples)) {
    ADD_FAILURE() << "no " << kind.list << " in " << body.substr(0, 300);
    return series;
  }
  for (simdjson::dom::element sample : samples) {
    Values values;
    int64_t timestamp = -1;
    simdjson::dom::object members;
    EXPECT_FALSE(sample.get(members)) << "a sample is an object";
    for (auto [key, value] : members) {
      if (key == "timestamp") {
        timestamp = EpochMs(value.get_string().value());
      } else {
        values[std::string(key)] = value.get_double().value();
      }
    }
    EXPECT_TRUE(series.emplace(timestamp, std::move(values)).second) << "twice: " << timestamp;
  }
  EXPECT_EQ(doc.Int("/count"), static_cast<int64_t>(series.size()));
  return series;
}

// ---- Comparisons -------------------------------------------------------

// "" when `a` and `b` are equal, else where they first differ.
std::string FirstDifference(const std::string& a, const std::string& b) {
  if (a == b) return "";
  const size_t at = std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin();
  const size_t from = at < 120 ? 0 : at - 120;
  return "at byte " + std::to_string(at) + ":\n  " + a.substr(from, 240) + "\n  " +
         b.substr(from, 240);
}

std::string Describe(const Values& values) {
  std::string out;
  for (const auto& [field, v] : values) out += field + "=" + std::to_string(v) + " ";
  return out;
}

// The stored series of `id` is exactly `expected`, sample by sample; one
// failure names the first few differences.
void ExpectSeries(const std::string& id, const Series& stored, const Series& expected) {
  std::vector<std::string> differences;
  for (const auto& [ts, values] : expected) {
    auto it = stored.find(ts);
    if (it == stored.end()) {
      differences.push_back(FormatRfc3339(ts) + " is not stored");
    } else if (it->second != values) {
      differences.push_back(FormatRfc3339(ts) + " stored " + Describe(it->second) +
                            "\n    the file says " + Describe(values));
    }
  }
  for (const auto& [ts, values] : stored) {
    if (!expected.contains(ts)) differences.push_back(FormatRfc3339(ts) + " is in no file");
  }
  std::string text;
  for (size_t i = 0; i < differences.size() && i < 5; ++i) text += "\n  " + differences[i];
  EXPECT_TRUE(differences.empty()) << id << ": " << differences.size() << " samples differ" << text;
}

// A CSV cell and the registry's JSON value say the same: the text of a
// string, the same number, "" for null, the same JSON for an object.
bool SameValue(const std::string& cell, simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return cell == value.get_string().value();
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return !cell.empty() && Number(cell) == value.get_double().value();
    case simdjson::dom::element_type::BOOL:
      return cell == (value.get_bool().value() ? "true" : "false");
    case simdjson::dom::element_type::NULL_VALUE:
      return cell.empty();
    default: {
      simdjson::dom::parser parser;
      simdjson::dom::element parsed;
      return !parser.parse(cell).get(parsed) && simdjson::minify(parsed) == simdjson::minify(value);
    }
  }
}

// Every cell of a fleet file the simulator wrote is the registry's value of
// the field its column names, for every entity of the file and no other.
void ExpectRegistryHolds(const fs::path& file, const std::map<std::string, std::string>& items) {
  const std::vector<CsvRecord> records = ParseCsv(ReadFile(file));
  const CsvRecord& header = records.at(0);
  EXPECT_EQ(items.size(), records.size() - 1) << file;
  for (size_t r = 1; r < records.size(); ++r) {
    const std::string& id = records[r].at(0);
    auto it = items.find(id);
    if (it == items.end()) {
      ADD_FAILURE() << file << ": " << id << " is not registered";
      continue;
    }
    JsonDoc item(it->second);
    for (size_t c = 0; c < header.size(); ++c) {
      simdjson::dom::element value;
      const bool has = !item.root()[header[c]].get(value);
      EXPECT_TRUE(has && SameValue(records[r].at(c), value))
          << file.filename() << " " << id << " " << header[c] << ": file \"" << records[r].at(c)
          << "\", registry " << item.Raw("/" + header[c]);
    }
  }
}

// Two registry listings hold the same items; one failure names the first
// few that differ.
void ExpectSameItems(const std::map<std::string, std::string>& a,
                     const std::map<std::string, std::string>& b, const std::string& base) {
  std::string differences;
  int n = 0;
  for (const auto& [id, item] : a) {
    auto it = b.find(id);
    if (it != b.end() && it->second == item) continue;
    if (++n <= 3) differences += "\n  A: " + item + "\n  B: " + (it == b.end() ? "-" : it->second);
  }
  EXPECT_TRUE(n == 0 && a.size() == b.size()) << base << ": " << a.size() << " and " << b.size()
                                              << " items, " << n << " differ" << differences;
}

// Both servers hold the same registry of `kind` and, for every entity, the
// same raw series, byte for byte. Returns B's series, parsed.
Store ExpectSameStore(TestHttpClient& a, TestHttpClient& b, const Kind& kind) {
  const std::map<std::string, std::string> registry = Registry(b, kind.base);
  ExpectSameItems(Registry(a, kind.base), registry, kind.base);
  Store store;
  for (const auto& [id, item] : registry) {
    const std::string body = SeriesBody(b, kind, id);
    const std::string difference = FirstDifference(SeriesBody(a, kind, id), body);
    EXPECT_TRUE(difference.empty()) << id << " from --to and from --out differ " << difference;
    store[id] = ParseSeries(body, kind);
  }
  return store;
}

// The series of `id` in `store`; none when it has no samples.
const Series& SeriesOf(const Store& store, const std::string& id) {
  static const Series kNone;
  auto it = store.find(id);
  return it == store.end() ? kNone : it->second;
}

int64_t Samples(const Store& store) {
  int64_t n = 0;
  for (const auto& [id, series] : store) n += static_cast<int64_t>(series.size());
  return n;
}

// ---- Faults --------------------------------------------------------------

std::vector<const FileRow*> RowsOf(const std::vector<FileRow>& rows, const std::string& meter,
                                   int64_t from_ms, int64_t to_ms) {
  std::vector<const FileRow*> out;
  for (const FileRow& row : rows) {
    if (row.entity == meter && row.timestamp_ms >= from_ms && row.timestamp_ms < to_ms) {
      out.push_back(&row);
    }
  }
  return out;
}

// One reading sent twice, identical: two rows, one sample.
void ExpectDuplicate(const FaultRecord& f, const std::vector<FileRow>& rows, const Store& stored) {
  const std::vector<const FileRow*> twice = RowsOf(rows, f.source, f.start_ms, f.end_ms);
  ASSERT_EQ(twice.size(), 2u) << f.source << " " << FormatRfc3339(f.start_ms);
  EXPECT_EQ(twice[0]->values, twice[1]->values);
  EXPECT_EQ(twice[0]->timestamp_ms, twice[1]->timestamp_ms);
  EXPECT_EQ(SeriesOf(stored, f.source).count(twice[0]->timestamp_ms), 1u);
}

// The window's readings come after a reading of the same meter stamped
// later, and are stored under their own timestamps.
void ExpectLate(const FaultRecord& f, const std::vector<FileRow>& rows, const Store& stored) {
  const std::vector<const FileRow*> late = RowsOf(rows, f.source, f.start_ms, f.end_ms);
  EXPECT_EQ(static_cast<int64_t>(late.size()), (f.end_ms - f.start_ms) / kQuarterMs) << f.source;
  for (const FileRow* row : late) {
    const bool after_later = std::any_of(&rows.front(), row, [&](const FileRow& earlier) {
      return earlier.entity == f.source && earlier.timestamp_ms > row->timestamp_ms;
    });
    EXPECT_TRUE(after_later) << f.source << " " << FormatRfc3339(row->timestamp_ms);
    EXPECT_EQ(SeriesOf(stored, f.source).count(row->timestamp_ms), 1u);
  }
}

// The window's k-th reading (from 1) runs k × magnitude seconds ahead, off
// the quarter-hour grid, and is stored under that timestamp, not its own.
void ExpectClockDrift(const FaultRecord& f, const std::vector<FileRow>& rows, const Store& stored) {
  const Series& series = SeriesOf(stored, f.source);
  for (int64_t t = f.start_ms, k = 1; t < f.end_ms; t += kQuarterMs, ++k) {
    const int64_t drifted = t + k * static_cast<int64_t>(f.magnitude) * 1000;
    EXPECT_NE(drifted % kQuarterMs, 0) << f.source << " " << FormatRfc3339(drifted);
    EXPECT_EQ(RowsOf(rows, f.source, drifted, drifted + 1).size(), 1u) << FormatRfc3339(drifted);
    EXPECT_EQ(RowsOf(rows, f.source, t, t + 1).size(), 0u) << FormatRfc3339(t);
    EXPECT_EQ(series.count(drifted), 1u) << f.source << " " << FormatRfc3339(drifted);
    EXPECT_EQ(series.count(t), 0u) << f.source << " " << FormatRfc3339(t);
  }
}

// ---- Tests -------------------------------------------------------------

TEST(CliSimulate, StreamingToAServerStoresWhatTheFilesHold) {
  TempDir tmp;
  const fs::path out = fs::path(tmp.path()) / "fleet";
  std::vector<std::string> to_files = kSimulation;
  to_files.insert(to_files.end(), {"--out", out.string()});
  ProgramResult files = RunCli(to_files);
  ASSERT_EQ(files.exit_code, 0) << files.err;

  const std::vector<FaultRecord> faults = ReadFaults(out);
  const std::vector<FaultRecord> duplicates = OfKind(faults, "duplicate");
  const std::vector<FaultRecord> late = OfKind(faults, "late");
  const std::vector<FaultRecord> drifts = OfKind(faults, "clock_drift");
  ASSERT_FALSE(duplicates.empty() || late.empty() || drifts.empty())
      << "the seed no longer gives every fault this test is about:\n"
      << ReadFile(out / "faults.csv");

  // Detection off: it would rightly put meters with a stuck register to
  // FAULTY, and this test compares the registry with the simulator's files.
  const ServerOptions no_alerts{.env = {{"METRIFY_ALERTS_ENABLED", "false"}}, .args = {}};
  ServerProcess a(no_alerts);
  std::vector<std::string> to_server = kSimulation;
  to_server.insert(to_server.end(), {"--to", a.url()});
  ProgramResult streamed = RunCli(to_server);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(streamed.out.substr(0, streamed.out.find(" in ")),
            files.out.substr(0, files.out.find(" in ")))
      << "the same summary";

  ServerProcess b(no_alerts);
  const IngestCounts counted = LoadWithCli(out, b);

  const std::vector<FileRow> readings = ReadRows(out, kReadings);
  Store expected;
  const IngestCounts applied = Apply(readings, expected);
  EXPECT_EQ(counted.inserted, applied.inserted) << "distinct (meter, timestamp) keys";
  EXPECT_EQ(counted.unchanged, applied.unchanged) << "duplicated rows";
  EXPECT_EQ(counted.revised, applied.revised);
  EXPECT_EQ(applied.unchanged, static_cast<int64_t>(duplicates.size()));
  Apply(ReadRows(out, kGridStatus), expected);
  Apply(ReadRows(out, kObservations), expected);

  // Every series of A is B's, and B's are exactly the files' rows.
  TestHttpClient http_a("127.0.0.1", a.port()), http_b("127.0.0.1", b.port());
  Store stored = ExpectSameStore(http_a, http_b, kReadings);
  EXPECT_EQ(Samples(stored), applied.inserted)
      << "one reading per distinct (meter, timestamp) of the files";
  stored.merge(ExpectSameStore(http_a, http_b, kGridStatus));
  stored.merge(ExpectSameStore(http_a, http_b, kObservations));
  for (const auto& [id, series] : stored) ExpectSeries(id, series, SeriesOf(expected, id));
  for (const auto& [id, series] : expected) {
    EXPECT_TRUE(stored.contains(id)) << id << " is in the files but not registered";
  }

  for (const FaultRecord& f : duplicates) ExpectDuplicate(f, readings, stored);
  for (const FaultRecord& f : late) ExpectLate(f, readings, stored);
  for (const FaultRecord& f : drifts) ExpectClockDrift(f, readings, stored);

  for (const Kind* kind : {&kReadings, &kGridStatus, &kObservations}) {
    ExpectRegistryHolds(out / kind->fleet_csv, Registry(http_b, kind->base));
  }
}

// A server that takes a batch (200) but rejects its rows, here for lying
// before its retention window, does not hold what --out writes: the run
// fails and says why.
TEST(CliSimulate, RowsTheServerRejectsFailTheRun) {
  ServerOptions options;
  options.env = {{"METRIFY_STORAGE_RETENTION_DAYS", "30"}};
  ServerProcess server(options);
  ProgramResult r =
      RunCli({"simulate", "--meters", "3", "--operators", "1", "--stations", "1", "--start",
              "2025-01-13", "--end", "2025-01-13T02:00:00Z", "--to", server.url()});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("rejected 24 rows"));
  EXPECT_THAT(r.err, HasSubstr("beyond_retention"));
}

}  // namespace
}  // namespace metrify::test
