// CSV bodies (text/csv): a header line, then one item per record.
#include <gtest/gtest.h>

#include <string>

#include "parse/parse_testing.h"

namespace metrify::parse {
namespace {

using parse_testing::Describe;
using parse_testing::ParseReadings;

constexpr int64_t kSpringDay = 1774742400000;  // 2026-03-29T00:00:00Z
constexpr auto kCsv = BodyFormat::kCsv;

std::string HeaderError(std::string_view body, std::string_view path_id = {}) {
  return parse_testing::BodyError(body, kCsv, DefaultOptions(model::SeriesKind::kReading, path_id));
}

TEST(CsvSamples, SeedHeaderIsRead) {
  ParsedBatch batch = ParseReadings(
      "meter_id,timestamp,energy_kwh,voltage_v\n"
      "SM000001,2026-03-29T01:15:00+01:00,0.125,231.4\n"
      "SM000002,1774742400000,0.3,\n",
      kCsv);
  ASSERT_EQ(batch.samples.size(), 2u) << Describe(batch.errors.at(0));
  EXPECT_EQ(batch.samples[0].entity_id, "SM000001");
  EXPECT_EQ(batch.samples[0].timestamp_ms, kSpringDay + 15 * 60000);
  EXPECT_EQ(batch.samples[0].values[0], 0.125);
  EXPECT_EQ(batch.samples[0].values[3], 231.4);
  EXPECT_EQ(batch.samples[1].timestamp_ms, kSpringDay);
  EXPECT_FALSE(batch.samples[1].Has(3)) << "an empty cell is not given";
  EXPECT_EQ(batch.samples[1].interval_s, 900);
}

TEST(CsvSamples, HeaderNamesIgnoreCaseAndSpaces) {
  ParsedBatch batch = ParseReadings(
      "Meter_ID , TIMESTAMP,Energy_kWh,Interval\r\nSM1, 2026-03-29T00:00:00Z , 1.5 ,3600\r\n",
      kCsv);
  ASSERT_EQ(batch.samples.size(), 1u) << Describe(batch.errors.at(0));
  EXPECT_EQ(batch.samples[0].values[0], 1.5);
  EXPECT_EQ(batch.samples[0].interval_s, 3600);
}

TEST(CsvSamples, SemicolonFilesWithQuotesAndByteOrderMarkAreRead) {
  ParsedBatch batch = ParseReadings(
      "\xEF\xBB\xBF\"meter_id\";\"timestamp\";\"energy_kwh\"\n"
      "\"SM1\";\"2026-03-29T00:00:00Z\";\"0.5\"\n"
      "SM2;2026-03-29T00:00:00Z;+0.25\n",
      kCsv);
  ASSERT_EQ(batch.samples.size(), 2u) << Describe(batch.errors.at(0));
  EXPECT_EQ(batch.samples[0].entity_id, "SM1");
  EXPECT_EQ(batch.samples[1].values[0], 0.25);
}

TEST(CsvSamples, LineNumbersFollowQuotedLineBreaksAndBlankLines) {
  ParsedBatch batch = ParseReadings(
      "meter_id,timestamp,energy_kwh\n"     // 1
      "SM1,2026-03-29T00:00:00Z,1\n"        // 2
      "\"SM\n2\",2026-03-29T00:00:00Z,1\n"  // 3-4: an id with a line break
      "\n"                                  // 5
      "SM1,2026-03-29T00:15:00Z,x\n",       // 6
      kCsv);
  EXPECT_EQ(batch.items, 3u);
  ASSERT_EQ(batch.errors.size(), 2u);
  EXPECT_EQ(batch.errors[0].code, "invalid_entity_id");
  EXPECT_EQ(batch.errors[0].line, 3u);
  EXPECT_EQ(batch.errors[1].line, 6u);
  EXPECT_EQ(batch.errors[1].index, 2u);
  EXPECT_EQ(batch.errors[1].code, "wrong_type");
}

TEST(CsvSamples, AnUnclosedQuoteRejectsOnlyTheRowItStarts) {
  ParsedBatch batch = ParseReadings(
      "meter_id,timestamp,energy_kwh\nSM1,2026-03-29T00:00:00Z,1\nSM1,\"2026-03-29,1\n", kCsv);
  EXPECT_EQ(batch.samples.size(), 1u);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].code, "malformed_item");
  EXPECT_EQ(batch.errors[0].line, 3u);
}

TEST(CsvSamples, WithoutAnEntityColumnThePathIdIsUsed) {
  ParsedBatch batch = ParseReadings("timestamp,energy_kwh\n2026-03-29T00:00:00Z,1\n", kCsv, "SM7");
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_EQ(batch.samples[0].entity_id, "SM7");
}

TEST(CsvSamples, RowsOfEmptyCellsAreNotItems) {
  ParsedBatch batch = ParseReadings(
      "meter_id;timestamp;energy_kwh\nSM1;2026-03-29T00:00:00Z;1\n;;\n;;\n\"\";;\n", kCsv);
  EXPECT_EQ(batch.items, 1u);
  EXPECT_TRUE(batch.errors.empty());
}

TEST(CsvSamples, HeaderOnlyBodyHasNoItems) {
  EXPECT_EQ(ParseReadings("meter_id,timestamp,energy_kwh\r\n\r\n", kCsv).items, 0u);
}

TEST(CsvSamples, HeaderProblemsRejectTheBody) {
  EXPECT_NE(HeaderError("").find("empty"), std::string::npos);
  EXPECT_NE(HeaderError("\n \n").find("empty"), std::string::npos);
  EXPECT_NE(HeaderError("meter_id,energy_kwh\nSM1,1\n").find("timestamp"), std::string::npos);
  EXPECT_NE(HeaderError("meter_id,timestamp,energy\n").find("\"energy\""), std::string::npos);
  EXPECT_NE(HeaderError("meter_id,timestamp,energy_kwh,,\n").find("column 4"), std::string::npos);
  EXPECT_NE(HeaderError("meter_id,timestamp,energy_kwh,ENERGY_KWH\n").find("columns 3 and 4"),
            std::string::npos);
  EXPECT_NE(HeaderError("meter_id,timestamp,energy_kwh,interval,interval_s\n").find("interval_s"),
            std::string::npos);
  EXPECT_NE(HeaderError("timestamp,energy_kwh\n").find("meter_id"), std::string::npos);
  EXPECT_NE(HeaderError("meter_id,timestamp\nSM1,2026-03-29T00:00:00Z\n").find("value column"),
            std::string::npos);
  EXPECT_NE(HeaderError("\"meter_id,timestamp,energy_kwh\n").find("quoted"), std::string::npos);
}

TEST(CsvSamples, TabsAndSpacesAroundCellsAreTrimmed) {
  ParsedBatch batch = ParseReadings(
      "meter_id,timestamp,energy_kwh\n  SM1\t,\t2026-03-29T00:00:00Z  ,  \"1.25\"  \n", kCsv);
  ASSERT_EQ(batch.samples.size(), 1u) << Describe(batch.errors.at(0));
  EXPECT_EQ(batch.samples[0].values[0], 1.25);
}

}  // namespace
}  // namespace metrify::parse
