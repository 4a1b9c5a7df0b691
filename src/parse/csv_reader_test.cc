#include "parse/csv_reader.h"

#include <gtest/gtest.h>

namespace metrify::parse {
namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view text, Status* error) {
  CsvReader reader(text);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (reader.Next(&fields, error)) rows.push_back(fields);
  return rows;
}

TEST(CsvReader, QuotedFieldsKeepDelimitersQuotesAndNewlines) {
  Status error;
  auto rows = ReadAll("id,address\r\nSM1,\"Hauptstr. 1, \"\"Hof\"\"\nBerlin\"\r\n", &error);
  ASSERT_TRUE(error.ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], "Hauptstr. 1, \"Hof\"\nBerlin");
}

TEST(CsvReader, LineNumbersCountPhysicalLines) {
  CsvReader reader("h\n\"a\nb\"\n\nc\n");
  std::vector<std::string> fields;
  Status error;
  ASSERT_TRUE(reader.Next(&fields, &error));
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(reader.Next(&fields, &error));
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(reader.Next(&fields, &error));
  EXPECT_EQ(reader.line(), 5) << "blank line 4 skipped; the quoted field spanned 2-3";
  EXPECT_EQ(fields[0], "c");
}

TEST(CsvReader, SemicolonFilesAreDetected) {
  CsvReader reader("\xEF\xBB\xBFid;city\nSM1;Köln\n");
  EXPECT_EQ(reader.delimiter(), ';');
  std::vector<std::string> fields;
  Status error;
  ASSERT_TRUE(reader.Next(&fields, &error));
  EXPECT_EQ(fields[0], "id") << "byte order mark skipped";
  ASSERT_TRUE(reader.Next(&fields, &error));
  EXPECT_EQ(fields[1], "Köln");
}

TEST(CsvReader, UnclosedQuoteIsAnErrorNamingItsLine) {
  Status error;
  auto rows = ReadAll("id\nSM1\n\"SM2\nSM3\n", &error);
  EXPECT_EQ(rows.size(), 2u);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.message().find("line 3"), std::string::npos) << error.message();
}

TEST(CsvReader, EmptyTrailingFieldIsKept) {
  Status error;
  auto rows = ReadAll("a,b,\n", &error);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].size(), 3u);
}

}  // namespace
}  // namespace metrify::parse
