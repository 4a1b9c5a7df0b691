// ChunkReader and the item sources under it: tables of files -> chunk bodies
// and the file line of each item, per format (CRLF, blank lines, rows of
// empty cells, quoted CSV cells with line breaks, JSON elements across and
// within lines), the errors of JSON that cannot be cut, and a randomized
// check that CSV items are the records parse::CsvScanner finds.
#include "cli/ingest_chunks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "parse/csv_scanner.h"

namespace metrify::cli {
namespace {

using ::testing::HasSubstr;

struct ExpectedChunk {
  std::string body;
  std::vector<size_t> lines;
  bool operator==(const ExpectedChunk&) const = default;
};

void PrintTo(const ExpectedChunk& c, std::ostream* os) {
  *os << ::testing::PrintToString(c.body) << " lines " << ::testing::PrintToString(c.lines);
}

struct ChunkCase {
  std::string name;
  IngestFormat format;
  size_t batch;
  std::string input;
  std::vector<ExpectedChunk> chunks;
};

void PrintTo(const ChunkCase& c, std::ostream* os) { *os << c.name; }

// Every chunk of `input`; stops at an error, returning it in *error.
std::vector<ExpectedChunk> ReadAll(IngestFormat format, const std::string& input,
                                   ChunkLimits limits, std::string* error = nullptr) {
  std::istringstream in(input);
  ChunkReader reader(format, in, limits);
  std::vector<ExpectedChunk> out;
  Chunk chunk;
  while (true) {
    Result<bool> more = reader.Next(&chunk);
    if (!more.has_value()) {
      if (error) *error = more.error().message();
      break;
    }
    if (!*more) break;
    out.push_back({chunk.body, chunk.item_lines});
  }
  return out;
}

ChunkLimits Limits(size_t max_items, size_t max_bytes = ChunkLimits().max_bytes) {
  ChunkLimits limits;
  limits.max_items = max_items;
  limits.max_bytes = max_bytes;
  return limits;
}

class IngestChunksTest : public ::testing::TestWithParam<ChunkCase> {};

TEST_P(IngestChunksTest, CutsIntoBodiesAndKeepsEachItemsLine) {
  const ChunkCase& c = GetParam();
  std::string error;
  EXPECT_EQ(ReadAll(c.format, c.input, Limits(c.batch), &error), c.chunks);
  EXPECT_EQ(error, "");
}

constexpr IngestFormat kCsv = IngestFormat::kCsv;
constexpr IngestFormat kNdjson = IngestFormat::kNdjson;
constexpr IngestFormat kJson = IngestFormat::kJson;

const ChunkCase kCases[] = {
    // CSV: the header record opens every chunk.
    {"CsvHeaderRepeated",
     kCsv,
     2,
     "id,v\na,1\nb,2\nc,3\n",
     {{"id,v\na,1\nb,2\n", {2, 3}}, {"id,v\nc,3\n", {4}}}},
    {"CsvCrlfKept",
     kCsv,
     1,
     "id,v\r\na,1\r\nb,2\r\n",
     {{"id,v\r\na,1\r\n", {2}}, {"id,v\r\nb,2\r\n", {3}}}},
    {"CsvBlankLinesAndEmptyRowsAreNoItems",
     kCsv,
     5,
     "\n id,v\n\na,1\n  \r\n,\n \t, \nb,2\n",
     {{" id,v\na,1\nb,2\n", {4, 8}}}},
    {"CsvQuotedEmptyCellsAreNoItem", kCsv, 5, "id,v\n\"\",\"\"\na,1\n", {{"id,v\na,1\n", {3}}}},
    {"CsvQuotedSpaceIsAnItem", kCsv, 5, "id,v\n\" \",\na,1\n", {{"id,v\n\" \",\na,1\n", {2, 3}}}},
    {"CsvQuotedLineBreakStaysInItsRecord",
     kCsv,
     1,
     "id,note\n1,\"two\nlines\"\n2,x\n",
     {{"id,note\n1,\"two\nlines\"\n", {2}}, {"id,note\n2,x\n", {4}}}},
    {"CsvQuotedCrlfLineBreak",
     kCsv,
     1,
     "id,note\r\n1,\"two\r\nlines\"\r\n2,x\r\n",
     {{"id,note\r\n1,\"two\r\nlines\"\r\n", {2}}, {"id,note\r\n2,x\r\n", {4}}}},
    {"CsvDoubledQuoteBeforeLineBreak",
     kCsv,
     1,
     "id,note\n1,\"say \"\"\nhi\"\"\"\n2,x\n",
     {{"id,note\n1,\"say \"\"\nhi\"\"\"\n", {2}}, {"id,note\n2,x\n", {4}}}},
    {"CsvQuoteClosingAtLineEnd",
     kCsv,
     1,
     "id,note\n1,\"a\n\"\n2,x\n",
     {{"id,note\n1,\"a\n\"\n", {2}}, {"id,note\n2,x\n", {4}}}},
    {"CsvQuoteInsideACellIsText",
     kCsv,
     1,
     "id,note\n1,ab\"c\n2,x\n",
     {{"id,note\n1,ab\"c\n", {2}}, {"id,note\n2,x\n", {3}}}},
    {"CsvTextAfterAClosedQuoteIsText",
     kCsv,
     1,
     "id,note\n1,\"a\"b\"c\n2,x\n",
     {{"id,note\n1,\"a\"b\"c\n", {2}}, {"id,note\n2,x\n", {3}}}},
    {"CsvSpacesBeforeAnOpeningQuote",
     kCsv,
     1,
     "id,note\n1, \t\"a\nb\"\n2,x\n",
     {{"id,note\n1, \t\"a\nb\"\n", {2}}, {"id,note\n2,x\n", {4}}}},
    {"CsvSemicolonHeaderMakesSemicolonCells",
     kCsv,
     1,
     "id;note\n1;\"a\nb\"\n2;x\n",
     {{"id;note\n1;\"a\nb\"\n", {2}}, {"id;note\n2;x\n", {4}}}},
    {"CsvCommaHeaderMakesSemicolonText",
     kCsv,
     1,
     "id,note\n1;\"a\n2,x\n",
     {{"id,note\n1;\"a\n", {2}}, {"id,note\n2,x\n", {3}}}},
    {"CsvQuoteNeverClosedRunsToTheEnd",
     kCsv,
     1,
     "id,note\n1,\"open\n2,x\n\n3,y",
     {{"id,note\n1,\"open\n2,x\n\n3,y\n", {2}}}},
    {"CsvQuotedHeaderWithLineBreak",
     kCsv,
     1,
     "\"id\",\"no\nte\"\n1,x\n",
     {{"\"id\",\"no\nte\"\n1,x\n", {3}}}},
    {"CsvByteOrderMarkDropped", kCsv, 5, "\xEF\xBB\xBFid,v\na,1\n", {{"id,v\na,1\n", {2}}}},
    {"CsvLastLineWithoutLineEnd", kCsv, 5, "id,v\na,1\nb,2", {{"id,v\na,1\nb,2\n", {2, 3}}}},
    {"CsvHeaderOnlyIsOneEmptyChunk", kCsv, 5, "id,v\n", {{"id,v\n", {}}}},
    {"CsvEmptyFileIsOneEmptyChunk", kCsv, 5, "", {{"", {}}}},
    {"CsvExactlyOneBatch", kCsv, 2, "id,v\na,1\nb,2\n", {{"id,v\na,1\nb,2\n", {2, 3}}}},
    // NDJSON: non-blank lines.
    {"NdjsonBlankLinesSkipped",
     kNdjson,
     2,
     "{\"a\":1}\n\n{\"b\":2}\r\n \t\r\n{\"c\":3}",
     {{"{\"a\":1}\n{\"b\":2}\r\n", {1, 3}}, {"{\"c\":3}\n", {5}}}},
    {"NdjsonAnyLineIsAnItem", kNdjson, 5, "oops\n[1]\n", {{"oops\n[1]\n", {1, 2}}}},
    {"NdjsonByteOrderMarkDropped", kNdjson, 5, "\xEF\xBB\xBF{}\n", {{"{}\n", {1}}}},
    {"NdjsonEmptyFile", kNdjson, 5, "", {{"", {}}}},
    {"NdjsonOnlyBlankLines", kNdjson, 5, "\n\r\n  \n", {{"", {}}}},
    // JSON: array elements, each on the line it starts.
    {"JsonArraySplit", kJson, 2, "[1,2,3]", {{"[1,2]", {1, 1}}, {"[3]", {1}}}},
    {"JsonPrettyArray",
     kJson,
     1,
     "[\n  {\"a\": [1, 2]},\n  {\"b\": \"x,]}\"}\n]\n",
     {{"[{\"a\": [1, 2]}]", {2}}, {"[{\"b\": \"x,]}\"}]", {3}}}},
    {"JsonElementAcrossLines",
     kJson,
     5,
     "[{\"a\":\n1},\n\n {\"b\":2}]",
     {{"[{\"a\":\n1},{\"b\":2}]", {1, 4}}}},
    {"JsonEscapedQuoteInString",
     kJson,
     1,
     "[\"a\\\",b\\\\\", 2]",
     {{"[\"a\\\",b\\\\\"]", {1}}, {"[2]", {1}}}},
    {"JsonEmptyArray", kJson, 5, " [ ] \n", {{"[]", {}}}},
    {"JsonOneObjectIsOneItem", kJson, 5, "\n  {\"a\":1}\n", {{"[{\"a\":1}]", {2}}}},
    {"JsonByteOrderMark", kJson, 5, "\xEF\xBB\xBF[1]", {{"[1]", {1}}}},
    {"JsonEmptyFile", kJson, 5, "", {{"[]", {}}}},
};

INSTANTIATE_TEST_SUITE_P(Ingest, IngestChunksTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

struct BadJsonCase {
  std::string input;
  std::vector<ExpectedChunk> chunks_before;  // batch 1
  std::string error;
};

TEST(IngestChunksErrorTest, JsonThatCannotBeCutStopsWithTheLine) {
  const BadJsonCase cases[] = {
      {"[1,\n,2]", {{"[1]", {1}}}, "line 2: empty array element"},
      {"[1,]", {{"[1]", {1}}}, "line 1: empty array element"},
      {"[,1]", {}, "line 1: empty array element"},
      {"[1,\n2", {{"[1]", {1}}}, "the JSON array opened on line 1 is never closed"},
      {"\n[{\"a\":\"]\"}", {}, "the JSON array opened on line 2 is never closed"},
      {"[1]\n x", {{"[1]", {1}}}, "line 2: text after the JSON array's closing ']'"},
  };
  for (const BadJsonCase& c : cases) {
    std::string error;
    EXPECT_EQ(ReadAll(kJson, c.input, Limits(1), &error), c.chunks_before) << c.input;
    EXPECT_EQ(error, c.error) << c.input;
  }
}

TEST(IngestChunksLimitTest, ByteLimitEndsAChunkBeforeTheItemThatWouldPassIt) {
  const std::string input = "aaaa\nbb\ncc\nllllllllllll\nd\n";
  EXPECT_EQ(ReadAll(kNdjson, input, Limits(10, 8)),
            (std::vector<ExpectedChunk>{
                {"aaaa\nbb\n", {1, 2}}, {"cc\n", {3}}, {"llllllllllll\n", {4}}, {"d\n", {5}}}));
}

TEST(IngestChunksLimitTest, BytesReadCountsTheWholeStream) {
  const std::string input = "id,v\r\n\r\na,1\r\nb,2";
  std::istringstream in(input);
  ChunkReader reader(kCsv, in, Limits(1));
  Chunk chunk;
  while (reader.Next(&chunk).value()) {
  }
  EXPECT_EQ(reader.bytes_read(), input.size());
}

// The records parse::CsvScanner finds in `text` after its header, without
// those the server skips (parse/csv_samples.cc): their lines.
std::vector<size_t> ScannerItemLines(std::string_view text) {
  parse::CsvScanner scanner(text);
  std::vector<std::string_view> cells;
  std::vector<size_t> lines;
  if (!scanner.Next(&cells)) return lines;
  while (scanner.Next(&cells)) {
    bool empty = !scanner.unclosed_quote();
    for (std::string_view cell : cells) empty = empty && cell.empty();
    if (!empty) lines.push_back(scanner.line());
  }
  return lines;
}

// Random CSV over an alphabet heavy in quotes, delimiters and line ends:
// the chunker's items are exactly the scanner's records, whatever the batch.
TEST(IngestChunksRandomTest, CsvItemsAreTheScannersRecords) {
  std::mt19937 random(20260329);
  const std::string alphabet = "a,\"\n\r \t;";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 60), batch(1, 4);
  for (int round = 0; round < 20000; ++round) {
    std::string text = "id,v\n";
    for (size_t n = length(random); n > 0; --n) text.push_back(alphabet[pick(random)]);
    std::vector<size_t> lines;
    size_t items_seen_by_server = 0;
    for (const ExpectedChunk& c : ReadAll(kCsv, text, Limits(batch(random)))) {
      lines.insert(lines.end(), c.lines.begin(), c.lines.end());
      items_seen_by_server += ScannerItemLines(c.body).size();
    }
    ASSERT_EQ(lines, ScannerItemLines(text)) << ::testing::PrintToString(text);
    ASSERT_EQ(items_seen_by_server, lines.size()) << ::testing::PrintToString(text);
  }
}

TEST(IngestFormatTest, FromExtensionOrName) {
  EXPECT_EQ(FormatFromPath("a/b.CSV").value(), kCsv);
  EXPECT_EQ(FormatFromPath("x.ndjson").value(), kNdjson);
  EXPECT_EQ(FormatFromPath("x.jsonl").value(), kNdjson);
  EXPECT_EQ(FormatFromPath("x.json").value(), kJson);
  EXPECT_THAT(FormatFromPath("x.txt").error().message(), HasSubstr("x.txt"));
  EXPECT_EQ(FormatFromName("ndjson").value(), kNdjson);
  EXPECT_FALSE(FormatFromName("xml").has_value());
  EXPECT_EQ(ContentTypeOf(kCsv), "text/csv");
  EXPECT_EQ(ContentTypeOf(kNdjson), "application/x-ndjson");
  EXPECT_EQ(ContentTypeOf(kJson), "application/json");
}

}  // namespace
}  // namespace metrify::cli
