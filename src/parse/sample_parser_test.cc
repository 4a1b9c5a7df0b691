// The front door: content types, kinds, options and the two ParseSamples()
// overloads.
#include "parse/sample_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "parse/parse_testing.h"

namespace metrify::parse {
namespace {

using parse_testing::Describe;
using parse_testing::ParseOk;

TEST(FormatFromContentType, KnownTypesIgnoreCaseAndParameters) {
  struct Case {
    std::string_view type;
    BodyFormat format;
  };
  for (const Case& c : {Case{"application/json", BodyFormat::kJsonArray},
                        Case{"Application/JSON; charset=utf-8", BodyFormat::kJsonArray},
                        Case{"application/x-ndjson", BodyFormat::kNdjson},
                        Case{"application/jsonl", BodyFormat::kNdjson},
                        Case{" application/x-ndjson ;charset=UTF-8", BodyFormat::kNdjson},
                        Case{"text/csv", BodyFormat::kCsv},
                        Case{"text/csv; charset=utf-8; header=present", BodyFormat::kCsv}}) {
    Result<BodyFormat> format = FormatFromContentType(c.type);
    ASSERT_TRUE(format.has_value()) << c.type;
    EXPECT_EQ(*format, c.format) << c.type;
  }
}

TEST(FormatFromContentType, OtherTypesAreRefusedByName) {
  for (std::string_view type : {"", "text/plain", "application/xml", "application/json-patch",
                                "multipart/form-data; boundary=x"}) {
    Result<BodyFormat> format = FormatFromContentType(type);
    ASSERT_FALSE(format.has_value()) << type;
    EXPECT_EQ(format.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(format.error().message().find(std::string(type)), std::string::npos);
  }
}

TEST(SampleParser, GridStatusItemsUseOperatorIdAndNoDefaultInterval) {
  ParsedBatch batch = ParseOk(
      R"([{"operator_id":"TENNET","timestamp":"2026-03-29T00:00:00Z","frequency_hz":49.98,
           "stability_score":0.93},
          {"operator_id":"50HERTZ","timestamp":"2026-03-29T00:00:00Z","load_mw":1,"interval_s":60},
          {"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","load_mw":1},
          {"operator_id":"TENNET","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1}])",
      BodyFormat::kJsonArray, DefaultOptions(model::SeriesKind::kGridStatus));
  ASSERT_EQ(batch.samples.size(), 2u);
  EXPECT_EQ(batch.samples[0].entity_id, "TENNET");
  EXPECT_EQ(batch.samples[0].values[0], 49.98);
  EXPECT_EQ(batch.samples[0].values[6], 0.93);
  EXPECT_EQ(batch.samples[0].interval_s, 0);
  EXPECT_EQ(batch.samples[1].interval_s, 60);
  ASSERT_EQ(batch.errors.size(), 2u);
  EXPECT_EQ(batch.errors[0].field, "meter_id");
  EXPECT_EQ(batch.errors[0].code, "unknown_field");
  EXPECT_EQ(batch.errors[1].field, "energy_kwh");
}

TEST(SampleParser, ObservationItemsUseStationIdInEveryFormat) {
  SampleParseOptions options = DefaultOptions(model::SeriesKind::kObservation, "WS007");
  ParsedBatch csv = ParseOk(
      "timestamp,temperature_c,humidity_pct,wind_speed_ms\n"
      "2026-03-29T00:00:00Z,-3.5,91,4.2\n",
      BodyFormat::kCsv, options);
  ParsedBatch ndjson =
      ParseOk(R"({"station_id":"WS007","timestamp":"2026-03-29T00:00:00Z","temperature_c":-3.5,)"
              R"("humidity_pct":91,"wind_speed_ms":4.2})",
              BodyFormat::kNdjson, options);
  ASSERT_EQ(csv.samples.size(), 1u);
  ASSERT_EQ(ndjson.samples.size(), 1u) << Describe(ndjson.errors.at(0));
  for (const auto* batch : {&csv, &ndjson}) {
    const model::Sample& s = batch->samples[0];
    EXPECT_EQ(s.entity_id, "WS007");
    EXPECT_EQ(s.values[0], -3.5);
    EXPECT_EQ(s.values[1], 91);
    EXPECT_EQ(s.values[3], 4.2);
    EXPECT_EQ(s.present, 0b1011u);
    EXPECT_EQ(s.interval_s, 0);
  }
}

TEST(SampleParser, DefaultIntervalComesFromTheOptions) {
  SampleParseOptions options = DefaultOptions(model::SeriesKind::kReading);
  options.default_interval_s = 3600;
  ParsedBatch batch =
      ParseOk(R"({"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1})",
              BodyFormat::kJsonArray, options);
  ASSERT_EQ(batch.samples.size(), 1u);
  EXPECT_EQ(batch.samples[0].interval_s, 3600);
}

TEST(SampleParser, InPlaceOverloadPadsCapacityButKeepsTheBody) {
  std::string body = R"([{"meter_id":"SM1","timestamp":"2026-03-29T00:00:00Z","energy_kwh":1}])";
  body.shrink_to_fit();
  const std::string original = body;
  Result<ParsedBatch> result =
      ParseSamples(&body, BodyFormat::kJsonArray, DefaultOptions(model::SeriesKind::kReading));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->samples.size(), 1u);
  EXPECT_EQ(body, original);
  EXPECT_GE(body.capacity(), body.size() + 64);
}

TEST(SampleParser, EveryFormatGivesTheSameSamples) {
  SampleParseOptions options = DefaultOptions(model::SeriesKind::kReading);
  ParsedBatch json = ParseOk(R"([
    {"meter_id":"SM1","timestamp":"2026-03-29T01:00:00+01:00","energy_kwh":0.25,"voltage_v":230.1},
    {"meter_id":"SM2","timestamp":1774742400000,"power_factor":0.97,"interval_s":3600}])",
                             BodyFormat::kJsonArray, options);
  ParsedBatch ndjson = ParseOk(
      R"({"meter_id":"SM1","timestamp":"2026-03-29T01:00:00+01:00","energy_kwh":0.25,"voltage_v":230.1})"
      "\n"
      R"({"meter_id":"SM2","timestamp":1774742400000,"power_factor":0.97,"interval_s":3600})",
      BodyFormat::kNdjson, options);
  ParsedBatch csv = ParseOk(
      "meter_id,timestamp,energy_kwh,voltage_v,power_factor,interval_s\n"
      "SM1,2026-03-29T01:00:00+01:00,0.25,230.1,,\n"
      "SM2,1774742400000,,,0.97,3600\n",
      BodyFormat::kCsv, options);
  for (const ParsedBatch* other : {&ndjson, &csv}) {
    ASSERT_EQ(other->samples.size(), json.samples.size());
    for (size_t i = 0; i < json.samples.size(); ++i) {
      const model::Sample& a = json.samples[i];
      const model::Sample& b = other->samples[i];
      EXPECT_EQ(a.entity_id, b.entity_id);
      EXPECT_EQ(a.timestamp_ms, b.timestamp_ms);
      EXPECT_EQ(a.interval_s, b.interval_s);
      EXPECT_EQ(a.present, b.present);
      for (int f = 0; f < model::kMaxSeriesFields; ++f) {
        if (a.Has(f)) {
          EXPECT_EQ(a.values[f], b.values[f]);
        }
      }
    }
  }
}

TEST(IsValidEntityId, FollowsTheRegistryIdRule) {
  for (const std::string& id : {std::string("SM000123"), std::string("a"),
                                std::string("ws.007_x-1"), std::string(64, 'A')}) {
    EXPECT_TRUE(IsValidEntityId(id)) << id;
  }
  for (const std::string& id : {std::string(""), std::string("-SM1"), std::string(".x"),
                                std::string("_x"), std::string("SM 1"), std::string("SM/1"),
                                std::string("Z\xC3\xA4hler"), std::string(65, 'A')}) {
    EXPECT_FALSE(IsValidEntityId(id)) << id;
  }
}

}  // namespace
}  // namespace metrify::parse
