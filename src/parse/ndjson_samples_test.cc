// NDJSON bodies (application/x-ndjson): one item per non-blank line.
#include <gtest/gtest.h>

#include <string>

#include "parse/parse_testing.h"

namespace metrify::parse {
namespace {

using parse_testing::Describe;
using parse_testing::ParseReadings;

constexpr auto kNdjson = BodyFormat::kNdjson;

TEST(NdjsonSamples, BlankLinesAndCrlfAreSkippedAndLinesCounted) {
  std::string body =
      "{\"meter_id\":\"SM1\",\"timestamp\":\"2026-03-29T00:00:00Z\",\"energy_kwh\":1}\r\n"  // 1
      "\r\n"                                                                                // 2
      "   \t\n"                                                                             // 3
      "{\"meter_id\":\"SM1\",\"timestamp\":\"2026-03-29T00:15:00\",\"energy_kwh\":2}\r\n"   // 4
      "\n"                                                                                  // 5
      "{\"meter_id\":\"SM2\",\"timestamp\":1774743300000,\"energy_kwh\":3}";  // 6, no newline
  ParsedBatch batch = ParseReadings(body, kNdjson);
  EXPECT_EQ(batch.items, 3u) << "blank lines are not items";
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].index, 1u);
  EXPECT_EQ(batch.errors[0].line, 4u);
  EXPECT_EQ(batch.errors[0].code, "timestamp_without_offset") << Describe(batch.errors[0]);
  ASSERT_EQ(batch.samples.size(), 2u);
  EXPECT_EQ(batch.item_of_sample, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(batch.samples[1].entity_id, "SM2");
  EXPECT_EQ(batch.samples[1].values[0], 3);
}

TEST(NdjsonSamples, BrokenLinesDoNotSinkTheirNeighbours) {
  std::string good = R"({"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1})";
  std::string body = good + "\n" +                                // line 1
                     "{\"meter_id\":\"SM1\"\n" +                  // 2: unclosed
                     "[" + good + "]\n" +                         // 3: an array
                     "{\"meter_id\":\"SM1\",\"x\":\"\xff\"}\n" +  // 4: invalid UTF-8
                     "\"just a string\"\n" +                      // 5
                     good + "\n";                                 // 6
  ParsedBatch batch = ParseReadings(body, kNdjson);
  EXPECT_EQ(batch.items, 6u);
  ASSERT_EQ(batch.errors.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch.errors[i].code, "malformed_item") << Describe(batch.errors[i]);
    EXPECT_EQ(batch.errors[i].line, i + 2);
  }
  EXPECT_EQ(batch.item_of_sample, (std::vector<size_t>{0, 5}));
}

TEST(NdjsonSamples, EmptyBodyHasNoItems) {
  EXPECT_EQ(ParseReadings("", kNdjson).items, 0u);
  EXPECT_EQ(ParseReadings("\n\r\n  \n", kNdjson).items, 0u);
}

TEST(NdjsonSamples, TheLastLineNeedsNoNewline) {
  ParsedBatch batch = ParseReadings(
      R"({"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","voltage_v":229.9})", kNdjson);
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_EQ(batch.samples[0].values[3], 229.9);
}

TEST(NdjsonSamples, LinesMayOmitTheIdThePathGives) {
  ParsedBatch batch = ParseReadings(
      "{\"timestamp\":\"2026-03-29T00:00:00Z\",\"energy_kwh\":1}\n"
      "{\"meter_id\":\"SM9\",\"timestamp\":\"2026-03-29T00:15:00Z\",\"energy_kwh\":1}\n",
      kNdjson, "SM1");
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_EQ(batch.samples[0].entity_id, "SM1");
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].code, "entity_mismatch");
  EXPECT_EQ(batch.errors[0].line, 2u);
}

}  // namespace
}  // namespace metrify::parse
