// JSON array bodies (application/json).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "parse/parse_testing.h"

namespace metrify::parse {
namespace {

using parse_testing::Describe;
using parse_testing::ParseReadings;

constexpr int64_t kSpringDay = 1774742400000;  // 2026-03-29T00:00:00Z
constexpr auto kJson = BodyFormat::kJsonArray;

std::string ErrorOf(std::string_view body, std::string_view path_id = {}) {
  return parse_testing::BodyError(body, kJson,
                                  DefaultOptions(model::SeriesKind::kReading, path_id));
}

TEST(JsonSamples, ItemsBecomeSamplesWithTheirFieldsInOrder) {
  ParsedBatch batch = ParseReadings(R"([
    {"meter_id":"SM000123","timestamp":"2026-03-29T01:15:00+01:00","energy_kwh":0.125,
     "voltage_v":231.4,"frequency_hz":50.01,"power_factor":0.973},
    {"meter_id":"SM000124","timestamp":"2026-03-29T00:30:00Z","register_kwh":12345.678}
  ])",
                                    kJson);
  ASSERT_EQ(batch.samples.size(), 2u);
  const model::Sample& first = batch.samples[0];
  EXPECT_EQ(first.entity_id, "SM000123");
  EXPECT_EQ(first.timestamp_ms, kSpringDay + 15 * 60000);
  EXPECT_EQ(first.interval_s, 900);
  EXPECT_EQ(first.values[0], 0.125);  // energy_kwh
  EXPECT_EQ(first.values[3], 231.4);  // voltage_v
  EXPECT_EQ(first.values[5], 0.973);  // power_factor
  EXPECT_EQ(first.values[6], 50.01);  // frequency_hz
  EXPECT_EQ(first.present, (1u << 0) | (1u << 3) | (1u << 5) | (1u << 6));
  EXPECT_TRUE(std::isnan(first.values[1])) << "absent fields hold NaN";
  EXPECT_EQ(batch.samples[1].values[2], 12345.678);
  EXPECT_EQ(batch.item_of_sample, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(batch.items, 2u);
}

TEST(JsonSamples, OneObjectBodyIsOneItem) {
  ParsedBatch batch =
      ParseReadings(R"({"meter_id":"SM1","timestamp":1774742400000,"energy_kwh":1})", kJson);
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_EQ(batch.samples[0].timestamp_ms, kSpringDay);
}

TEST(JsonSamples, EmptyArrayHasNoItems) {
  ParsedBatch batch = ParseReadings(" [ ] ", kJson);
  EXPECT_EQ(batch.items, 0u);
  EXPECT_TRUE(batch.samples.empty());
}

TEST(JsonSamples, EpochMillisecondNumbersAndDigitStringsAreTimestamps) {
  ParsedBatch batch = ParseReadings(R"([
    {"meter_id":"SM1","timestamp":1774742400000,"energy_kwh":1},
    {"meter_id":"SM1","timestamp":"1774743300000","energy_kwh":1}])",
                                    kJson);
  ASSERT_EQ(batch.samples.size(), 2u);
  EXPECT_EQ(batch.samples[0].timestamp_ms, kSpringDay);
  EXPECT_EQ(batch.samples[1].timestamp_ms, kSpringDay + 900000);
}

TEST(JsonSamples, NullMeansNotGiven) {
  ParsedBatch batch = ParseReadings(
      R"([{"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":null,
           "voltage_v":230,"interval_s":null}])",
      kJson);
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_FALSE(batch.samples[0].Has(0));
  EXPECT_TRUE(batch.samples[0].Has(3));
  EXPECT_EQ(batch.samples[0].interval_s, 900);
}

TEST(JsonSamples, IntervalAndItsAliasSetTheInterval) {
  ParsedBatch batch = ParseReadings(R"([
    {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1,"interval_s":3600},
    {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1,"interval":86400},
    {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1,"interval":60.0}])",
                                    kJson);
  ASSERT_EQ(batch.samples.size(), 3u);
  EXPECT_EQ(batch.samples[0].interval_s, 3600);
  EXPECT_EQ(batch.samples[1].interval_s, 86400);
  EXPECT_EQ(batch.samples[2].interval_s, 60);
}

TEST(JsonSamples, EscapedKeysAndIdsAreUnescaped) {
  ParsedBatch batch = ParseReadings(
      R"([{"meter\u005fid":"SM\u0031","timestamp":"2026-03-29T00:00:00Z","energy_kwh":2}])", kJson);
  ASSERT_EQ(batch.samples.size(), 1u) << Describe(batch.errors.at(0));
  EXPECT_EQ(batch.samples[0].entity_id, "SM1");
}

TEST(JsonSamples, LargeAndExponentNumbersAreValues) {
  ParsedBatch batch = ParseReadings(
      R"([{"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z",
           "register_kwh":123456789012345678901234567890,"energy_kwh":-2.5e-3}])",
      kJson);
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_DOUBLE_EQ(batch.samples[0].values[2], 1.2345678901234568e29);
  EXPECT_EQ(batch.samples[0].values[0], -0.0025) << "ranges are validation's job, not ours";
}

TEST(JsonSamples, ItemsFromManyMetersKeepTheirOwnIds) {
  ParsedBatch batch = ParseReadings(R"([
    {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1},
    {"meter_id":"SM2","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1},
    {"meter_id":"bad id","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1},
    {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1},
    {"meter_id":"SM000000000000000000000000000000001","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1}])",
                                    kJson);
  ASSERT_EQ(batch.samples.size(), 4u);
  EXPECT_EQ(batch.samples[0].entity_id, "SM1");
  EXPECT_EQ(batch.samples[1].entity_id, "SM2");
  EXPECT_EQ(batch.samples[2].entity_id, "SM1");
  EXPECT_EQ(batch.samples[3].entity_id, "SM000000000000000000000000000000001");
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].index, 2u);
}

TEST(JsonSamples, ItemsMayOmitTheIdThePathGives) {
  ParsedBatch batch = ParseReadings(R"([
    {"timestamp":"2026-03-29T00:00:00Z","energy_kwh":1},
    {"meter_id":"SM000123","timestamp":"2026-03-29T00:15:00Z","energy_kwh":1}])",
                                    kJson, "SM000123");
  ASSERT_EQ(batch.samples.size(), 2u);
  EXPECT_EQ(batch.samples[0].entity_id, "SM000123");
  EXPECT_EQ(batch.samples[1].entity_id, "SM000123");
}

TEST(JsonSamples, AnInvalidPathIdRejectsTheBody) {
  EXPECT_NE(ErrorOf("[]", "bad id").find("path"), std::string::npos);
}

TEST(JsonSamples, OnlyTheFirstProblemOfAnItemIsReported) {
  ParsedBatch batch = ParseReadings(
      R"([{"meter_id":"SM1","energy":1,"timestamp":"soon","energy_kwh":"x"}])", kJson);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].code, "unknown_field");
}

TEST(JsonSamples, NonObjectElementsAreMalformedItems) {
  ParsedBatch batch = ParseReadings(
      R"([null, "x", 3, [], {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1}])",
      kJson);
  EXPECT_EQ(batch.errors.size(), 4u);
  for (const auto& error : batch.errors) EXPECT_EQ(error.code, "malformed_item");
  EXPECT_EQ(batch.item_of_sample, (std::vector<size_t>{4}));
}

TEST(JsonSamples, StructuralDamageRejectsTheBodyNamingTheItem) {
  std::string good = R"({"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1})";
  EXPECT_NE(
      ErrorOf("[" + good + R"(,{"meter_id":"SM1" "energy_kwh":1},)" + good + "]").find("item 1"),
      std::string::npos);
  EXPECT_NE(ErrorOf("[" + good + R"(,{"energy_kwh":1,},)" + good + "]").find("item 1"),
            std::string::npos);
  // Damage after a key that already rejected the item is still found.
  EXPECT_NE(ErrorOf("[" + good + R"(,{"nope":1 "energy_kwh":1})" + "]").find("not valid JSON"),
            std::string::npos);
}

TEST(JsonSamples, BodiesThatAreNotAnArrayOrObjectAreRejected) {
  for (std::string_view body : {"", "   ", "hello", "42", "\"text\"", "null", "[", "{",
                                "[{\"meter_id\":\"SM1\"}", "\xff\xfe[]"}) {
    EXPECT_FALSE(ErrorOf(body).empty()) << body;
  }
}

TEST(JsonSamples, TextAfterTheJsonRejectsTheBody) {
  EXPECT_NE(ErrorOf("[] ]").find("after"), std::string::npos);
  EXPECT_FALSE(ErrorOf("[] []").empty());
  EXPECT_FALSE(ErrorOf(R"({"meter_id":"SM1"} x)").empty());
}

TEST(JsonSamples, MessagesQuoteAtMost64BytesOfTheValue) {
  std::string long_text(500, '7');
  ParsedBatch batch = ParseReadings(
      R"([{"meter_id":"SM1","timestamp":"2026-)" + long_text + R"(","energy_kwh":1}])", kJson);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].code, "invalid_timestamp");
  EXPECT_LT(batch.errors[0].message.size(), 200u) << batch.errors[0].message;
}

}  // namespace
}  // namespace metrify::parse
