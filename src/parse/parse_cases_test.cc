// Runs the parse scenarios in tests/cases/parse/*.case (format in that
// folder's README.md): each record ingests a body and states the outcome,
// every rejection and every sample.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "parse/parse_testing.h"

#ifdef METRIFY_SOURCE_DIR

namespace metrify::parse {
namespace {

namespace fs = std::filesystem;

struct Record {
  std::string where;  // "file.case:12"
  BodyFormat format = BodyFormat::kJsonArray;
  model::SeriesKind kind = model::SeriesKind::kReading;
  std::string path_id;
  std::string body;
  std::vector<std::string> expect;  // the words of the expect line
  std::vector<std::string> checks;  // reject and sample lines
};

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The rest of `line` after its first `n` words, without surrounding quotes.
std::string Tail(std::string_view line, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    line = Trim(line);
    line.remove_prefix(std::min(line.size(), line.find(' ')));
  }
  line = Trim(line);
  if (line.size() >= 2 && line.front() == '"' && line.back() == '"')
    line = line.substr(1, line.size() - 2);
  return std::string(line);
}

void StartRecord(const std::vector<std::string>& words, Record* r) {
  static const std::vector<std::pair<std::string, BodyFormat>> kFormats = {
      {"json", BodyFormat::kJsonArray}, {"ndjson", BodyFormat::kNdjson}, {"csv", BodyFormat::kCsv}};
  static const std::vector<std::pair<std::string, model::SeriesKind>> kKinds = {
      {"reading", model::SeriesKind::kReading},
      {"grid_status", model::SeriesKind::kGridStatus},
      {"observation", model::SeriesKind::kObservation}};
  ASSERT_GE(words.size(), 2u) << r->where << ": ingest FORMAT [kind=K] [path=ID]";
  for (const auto& [name, format] : kFormats) {
    if (words[1] == name) r->format = format;
  }
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i].starts_with("path=")) r->path_id = words[i].substr(5);
    for (const auto& [name, kind] : kKinds) {
      if (words[i] == "kind=" + name) r->kind = kind;
    }
  }
}

std::vector<Record> ReadCases(const fs::path& file) {
  std::ifstream in(file);
  std::vector<Record> records;
  enum { kBetween, kPayload, kChecks } state = kBetween;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (state == kPayload && !line.starts_with("expect ")) {
      records.back().body += line + "\n";
    } else if (line.starts_with("ingest ")) {
      records.emplace_back().where = file.filename().string() + ":" + std::to_string(number);
      StartRecord(Words(line), &records.back());
      state = kPayload;
    } else if (state == kPayload) {
      records.back().expect = Words(line);
      records.back().checks.push_back(line);  // kept for the error fragment
      state = kChecks;
    } else if (state == kChecks && !Trim(line).empty()) {
      records.back().checks.push_back(line);
    } else if (Trim(line).empty()) {
      state = kBetween;
    }
  }
  return records;
}

void CheckReject(const std::string& line, const ItemError& e) {
  std::vector<std::string> w = Words(line);  // reject INDEX LINE FIELD CODE [fragment]
  ASSERT_GE(w.size(), 5u) << line;
  EXPECT_EQ(std::to_string(e.index), w[1]) << line;
  EXPECT_EQ(std::to_string(e.line), w[2]) << line;
  EXPECT_EQ(e.field, w[3] == "-" ? "" : w[3]) << line;
  EXPECT_EQ(e.code, w[4]) << line;
  EXPECT_NE(e.message.find(Tail(line, 5)), std::string::npos) << line << "\nmessage: " << e.message;
}

void CheckSample(const std::string& line, const model::Sample& s, model::SeriesKind kind) {
  std::vector<std::string> w = Words(line);  // sample ENTITY UTC INTERVAL field=value...
  ASSERT_GE(w.size(), 4u) << line;
  EXPECT_EQ(s.entity_id, w[1]) << line;
  EXPECT_EQ(FormatRfc3339(s.timestamp_ms), w[2]) << line;
  EXPECT_EQ(std::to_string(s.interval_s), w[3]) << line;
  uint16_t expected_present = 0;
  for (size_t i = 4; i < w.size(); ++i) {
    size_t eq = w[i].find('=');
    std::optional<int> field = model::SeriesFieldIndex(kind, w[i].substr(0, eq));
    ASSERT_TRUE(field.has_value()) << line << ": no field " << w[i];
    expected_present |= static_cast<uint16_t>(1u << *field);
    EXPECT_EQ(s.values[*field], ParseDouble(w[i].substr(eq + 1)).value_or(-1)) << line;
  }
  EXPECT_EQ(s.present, expected_present) << line << ": other fields are present";
}

void RunRecord(const Record& r) {
  SCOPED_TRACE(r.where);
  ASSERT_GE(r.expect.size(), 2u) << "expect ok|error ...";
  SampleParseOptions options = DefaultOptions(r.kind, r.path_id);
  Result<ParsedBatch> result = ParseSamples(r.body, r.format, options);
  if (r.expect[1] == "error") {
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().message().find(Tail(r.checks[0], 2)), std::string::npos)
        << result.error().message();
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  const ParsedBatch& batch = *result;
  for (size_t i = 2; i < r.expect.size(); ++i) {
    if (r.expect[i].starts_with("accepted=")) {
      EXPECT_EQ(std::to_string(batch.accepted()), r.expect[i].substr(9));
    }
    if (r.expect[i].starts_with("rejected=")) {
      EXPECT_EQ(std::to_string(batch.rejected()), r.expect[i].substr(9));
    }
  }
  size_t rejects = 0, samples = 0;
  for (size_t i = 1; i < r.checks.size(); ++i) {
    const std::string& line = r.checks[i];
    if (line.starts_with("reject ")) {
      ASSERT_LT(rejects, batch.errors.size()) << line;
      CheckReject(line, batch.errors[rejects++]);
    } else if (line.starts_with("sample ")) {
      ASSERT_LT(samples, batch.samples.size()) << line;
      CheckSample(line, batch.samples[samples++], r.kind);
    } else {
      ADD_FAILURE() << "unknown line: " << line;
    }
  }
  EXPECT_EQ(rejects, batch.errors.size()) << "every rejection is listed";
  EXPECT_EQ(samples, batch.samples.size()) << "every sample is listed";
}

TEST(ParseCases, EveryCaseFileHolds) {
  fs::path dir = fs::path(METRIFY_SOURCE_DIR) / "tests" / "cases" / "parse";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".case") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "# name: tests/cases/parse/" + entry.path().filename().string());
    std::vector<Record> records = ReadCases(entry.path());
    EXPECT_FALSE(records.empty()) << entry.path();
    for (const Record& r : records) RunRecord(r);
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace metrify::parse

#endif  // METRIFY_SOURCE_DIR
