// Sample payloads (queue/sample_payload.h): doubles survive bit for bit,
// every queued kind round-trips, and strict decoding names the sample and
// field of each problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "queue/sample_payload.h"

namespace metrify::queue {
namespace {

using model::Sample;
using model::SeriesKind;
using ::testing::HasSubstr;

constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

void ExpectSameSamples(const std::vector<Sample>& got, const std::vector<Sample>& want,
                       const std::string& entity_id) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].entity_id, entity_id) << i;
    EXPECT_EQ(got[i].timestamp_ms, want[i].timestamp_ms) << i;
    EXPECT_EQ(got[i].interval_s, want[i].interval_s) << i;
    EXPECT_EQ(got[i].present, want[i].present) << i;
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      if (!want[i].Has(f)) continue;
      EXPECT_EQ(Bits(got[i].values[f]), Bits(want[i].values[f]))
          << "sample " << i << " field " << f << ": " << got[i].values[f] << " vs "
          << want[i].values[f];
    }
  }
}

TEST(KafkaSamplePayloadTest, AwkwardDoublesRoundTripBitExactly) {
  const double awkward[] = {0.1 + 0.2,
                            1e-300,
                            -0.0,
                            0.0,
                            std::numeric_limits<double>::max(),
                            -std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::min(),
                            123456789.123456789,
                            9007199254740993.0,  // 2^53 + 1 rounds to 2^53
                            1e21,
                            1e16,
                            2.0,
                            -5.5,
                            1.0 / 3.0,
                            12345678901234567890.0};
  std::vector<Sample> samples;
  const int fields = static_cast<int>(model::SeriesFields(SeriesKind::kReading).size());
  for (size_t i = 0; i < std::size(awkward); ++i) {
    Sample sample;
    sample.timestamp_ms = kMonday + static_cast<int64_t>(i) * 900'000;
    sample.interval_s = 900;
    sample.Set(static_cast<int>(i) % fields, awkward[i]);
    sample.Set((static_cast<int>(i) + 3) % fields, -awkward[i]);
    samples.push_back(sample);
  }
  std::string json = EncodeSamples(SeriesKind::kReading, "SM000001", samples);
  Result<DecodedSamples> decoded = DecodeSamples(json);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message() << "\n" << json;
  EXPECT_EQ(decoded->kind, SeriesKind::kReading);
  EXPECT_EQ(decoded->entity_id, "SM000001");
  ExpectSameSamples(decoded->samples, samples, "SM000001");
  EXPECT_TRUE(std::signbit(decoded->samples[2].values[2])) << "-0.0 keeps its sign";
}

TEST(KafkaSamplePayloadTest, EncodesTheDocumentedShape) {
  Sample reading;
  reading.timestamp_ms = kMonday;
  reading.interval_s = 900;
  reading.Set(0, 0.25);
  reading.Set(3, 229.5);
  EXPECT_EQ(
      EncodeSamples(SeriesKind::kReading, "SM1", {&reading, 1}),
      R"({"kind":"reading","entity_id":"SM1","samples":[)"
      R"({"timestamp":1736726400000,"interval_s":900,"energy_kwh":0.25,"voltage_v":229.5}]})");
  Sample observation;
  observation.timestamp_ms = kMonday;
  observation.Set(0, -3.5);
  EXPECT_EQ(EncodeSamples(SeriesKind::kObservation, "WS\"1", {&observation, 1}),
            R"({"kind":"observation","entity_id":"WS\"1","samples":[)"
            R"({"timestamp":1736726400000,"temperature_c":-3.5}]})");
}

TEST(KafkaSamplePayloadTest, EveryQueuedKindRoundTripsToItsTopic) {
  const std::pair<SeriesKind, std::string_view> kinds[] = {
      {SeriesKind::kReading, "metrify.readings"},
      {SeriesKind::kGridStatus, "metrify.grid-status"},
      {SeriesKind::kObservation, "metrify.weather"}};
  for (const auto& [kind, topic] : kinds) {
    EXPECT_EQ(TopicOf(kind), topic);
    std::vector<Sample> samples(3);
    for (size_t i = 0; i < samples.size(); ++i) {
      samples[i].timestamp_ms = kMonday + static_cast<int64_t>(i) * 3'600'000;
      for (size_t f = 0; f < model::SeriesFields(kind).size(); f += 1 + i) {
        samples[i].Set(static_cast<int>(f), 0.1 * static_cast<double>(f + i));
      }
    }
    Result<DecodedSamples> decoded = DecodeSamples(EncodeSamples(kind, "E-1", samples));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
    EXPECT_EQ(decoded->kind, kind);
    ExpectSameSamples(decoded->samples, samples, "E-1");
  }
  EXPECT_EQ(TopicOf(SeriesKind::kVeeOverlay), "");
}

TEST(KafkaSamplePayloadTest, MembersMayComeInAnyOrder) {
  Result<DecodedSamples> decoded =
      DecodeSamples(R"({"samples":[{"energy_kwh":-0,"timestamp":1736726400000}],"entity_id":"SM1",)"
                    R"("kind":"reading"})");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  ASSERT_EQ(decoded->samples.size(), 1u);
  EXPECT_EQ(decoded->samples[0].interval_s, 0);
  EXPECT_EQ(decoded->samples[0].present, 1u);
  EXPECT_TRUE(std::signbit(decoded->samples[0].values[0]));
}

struct BadPayload {
  std::string json;
  std::string message;  // a fragment of the error message
};

// A reading payload around `samples` (the array's inside).
std::string Readings(const std::string& samples) {
  return R"({"kind":"reading","entity_id":"SM1","samples":[)" + samples + "]}";
}

TEST(KafkaSamplePayloadTest, DecodeErrorsNameSampleAndField) {
  const std::string ok = R"({"timestamp":1736726400000,"energy_kwh":1})";
  const std::vector<BadPayload> cases = {
      {"", "not valid JSON"},
      {"[]", "not a JSON object"},
      {Readings(ok) + " []", "sample payload: "},
      {R"({"entity_id":"SM1","samples":[)" + ok + "]}", "member 'kind' is missing"},
      {R"({"kind":"reading","samples":[)" + ok + "]}", "member 'entity_id' is missing"},
      {R"({"kind":"reading","entity_id":"SM1"})", "member 'samples' is missing"},
      {R"({"kind":"vee_overlay","entity_id":"SM1","samples":[)" + ok + "]}",
       "kind 'vee_overlay' is not reading, grid_status or observation"},
      {R"({"kind":"meter","entity_id":"SM1","samples":[)" + ok + "]}", "kind 'meter' is not"},
      {R"({"kind":1,"entity_id":"SM1","samples":[)" + ok + "]}", "member 'kind' must be a string"},
      {R"({"kind":"reading","entity_id":"","samples":[)" + ok + "]}",
       "member 'entity_id' is empty"},
      {R"({"kind":"reading","entity_id":7,"samples":[)" + ok + "]}",
       "member 'entity_id' must be a string"},
      {R"({"kind":"reading","entity_id":"SM1","samples":{}})", "member 'samples' must be an array"},
      {Readings(""), "member 'samples' is empty"},
      {R"({"kind":"reading","kind":"reading","entity_id":"SM1","samples":[)" + ok + "]}",
       "member 'kind' is given twice"},
      {R"({"kind":"reading","entity_id":"SM1","extra":1,"samples":[)" + ok + "]}",
       "unknown member 'extra'"},
      {Readings(ok + ",5"), "samples[1]: not an object"},
      {Readings(ok + R"(,{"energy_kwh":1})"), "samples[1].timestamp: missing"},
      {Readings(R"({"timestamp":1736726400000.5,"energy_kwh":1})"),
       "samples[0].timestamp: not an integer"},
      {Readings(R"({"timestamp":"2025-01-13T00:00:00Z","energy_kwh":1})"),
       "samples[0].timestamp: not an integer"},
      {Readings(R"({"timestamp":-1,"energy_kwh":1})"),
       "samples[0].timestamp: outside the years 1970..2200"},
      {Readings(R"({"timestamp":1736726400000,"timestamp":1736726400000,"energy_kwh":1})"),
       "samples[0].timestamp: given twice"},
      {Readings(R"({"timestamp":1736726400000,"interval_s":0,"energy_kwh":1})"),
       "samples[0].interval_s: not a positive 32-bit integer"},
      {Readings(R"({"timestamp":1736726400000,"interval_s":"900","energy_kwh":1})"),
       "samples[0].interval_s: not a positive 32-bit integer"},
      {Readings(R"({"timestamp":1736726400000,"interval_s":4294967296,"energy_kwh":1})"),
       "samples[0].interval_s: not a positive 32-bit integer"},
      {Readings(ok + R"(,{"timestamp":1736726400000,"voltage_kv":1})"),
       "samples[1].voltage_kv: not a field of kind reading"},
      {Readings(ok + "," + ok + R"(,{"timestamp":1736726400000,"energy_kwh":"0.25"})"),
       "samples[2].energy_kwh: not a number"},
      {Readings(R"({"timestamp":1736726400000,"energy_kwh":null})"),
       "samples[0].energy_kwh: not a number"},
      {Readings(R"({"timestamp":1736726400000,"energy_kwh":true})"),
       "samples[0].energy_kwh: not a number"},
      {Readings(R"({"timestamp":1736726400000,"voltage_v":1e999})"),
       "samples[0].voltage_v: not a finite number"},
      {Readings(ok + R"(,{"timestamp":1736726400000,"voltage_v":-1e400})"),
       "samples[1].voltage_v: not a finite number"},
      {Readings(R"({"timestamp":1736726400000,"energy_kwh":1,"energy_kwh":2})"),
       "samples[0].energy_kwh: given twice"},
      {Readings(R"({"timestamp":1736726400000})"), "samples[0]: no field of kind reading"},
      {Readings(R"({"timestamp":1736726400000,"interval_s":900})"),
       "samples[0]: no field of kind reading"},
  };
  for (const BadPayload& bad : cases) {
    Result<DecodedSamples> decoded = DecodeSamples(bad.json);
    ASSERT_FALSE(decoded.has_value()) << bad.json;
    EXPECT_EQ(decoded.error().code(), StatusCode::kInvalidArgument) << bad.json;
    EXPECT_THAT(decoded.error().message(), HasSubstr(bad.message)) << bad.json;
  }
}

}  // namespace
}  // namespace metrify::queue
