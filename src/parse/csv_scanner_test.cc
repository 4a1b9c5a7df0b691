#include "parse/csv_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace metrify::parse {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows ScanAll(std::string_view text, std::vector<size_t>* lines = nullptr) {
  CsvScanner scanner(text);
  Rows rows;
  std::vector<std::string_view> cells;
  while (scanner.Next(&cells)) {
    rows.emplace_back(cells.begin(), cells.end());
    if (lines) lines->push_back(scanner.line());
  }
  return rows;
}

TEST(CsvScanner, UnquotedCellsAreTrimmedViews) {
  EXPECT_EQ(ScanAll("a, b ,c\r\n1,,3\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}}));
}

TEST(CsvScanner, QuotedCellsKeepDelimitersDoubledQuotesAndLineBreaks) {
  EXPECT_EQ(ScanAll("\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\n"),
            (Rows{{"a,b", "say \"hi\"", "x\ny"}}));
}

TEST(CsvScanner, ManyQuotedCellsInOneRecordStayValid) {
  std::string long_cell(300, 'q');
  std::string text;
  for (int i = 0; i < 20; ++i)
    text += (i ? "," : "") + ("\"" + long_cell + std::to_string(i) + "\"");
  Rows rows = ScanAll(text);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 20u);
  EXPECT_EQ(rows[0][19], long_cell + "19");
  EXPECT_EQ(rows[0][0], long_cell + "0");
}

TEST(CsvScanner, BlankAndWhitespaceLinesAreSkippedAndLinesCounted) {
  std::vector<size_t> lines;
  Rows rows = ScanAll("h\n\n  \r\n\"a\nb\"\n\t\nc", &lines);
  EXPECT_EQ(rows, (Rows{{"h"}, {"a\nb"}, {"c"}}));
  EXPECT_EQ(lines, (std::vector<size_t>{1, 4, 7}));
}

TEST(CsvScanner, TrailingDelimiterMeansAnEmptyLastCell) {
  EXPECT_EQ(ScanAll("a,b,\n"), (Rows{{"a", "b", ""}}));
}

TEST(CsvScanner, AQuotedEmptyCellIsARecord) { EXPECT_EQ(ScanAll("\"\"\n"), (Rows{{""}})); }

TEST(CsvScanner, SemicolonIsDetectedFromTheFirstLine) {
  CsvScanner semicolons(
      "\xEF\xBB\xBF"
      "a;b\n1,5;2\n");
  EXPECT_EQ(semicolons.delimiter(), ';');
  std::vector<std::string_view> cells;
  ASSERT_TRUE(semicolons.Next(&cells));
  EXPECT_EQ(cells[0], "a");
  ASSERT_TRUE(semicolons.Next(&cells));
  EXPECT_EQ(cells[0], "1,5");
  EXPECT_EQ(CsvScanner("a;b,c\n").delimiter(), ',');
}

TEST(CsvScanner, AnUnclosedQuoteEndsTheText) {
  CsvScanner scanner("a\n\"open,\nrest\n");
  std::vector<std::string_view> cells;
  ASSERT_TRUE(scanner.Next(&cells));
  EXPECT_FALSE(scanner.unclosed_quote());
  ASSERT_TRUE(scanner.Next(&cells));
  EXPECT_TRUE(scanner.unclosed_quote());
  EXPECT_EQ(scanner.line(), 2u);
  EXPECT_FALSE(scanner.Next(&cells));
}

TEST(CsvScanner, TextAfterAClosingQuoteIsKept) {
  EXPECT_EQ(ScanAll("\"ab\"cd,e\n"), (Rows{{"abcd", "e"}}));
}

}  // namespace
}  // namespace metrify::parse
