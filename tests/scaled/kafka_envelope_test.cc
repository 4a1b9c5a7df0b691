// The message envelope (queue/envelope.h): exact text out, payload text kept
// verbatim on the way in, members in any order, and every decode error named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "queue/envelope.h"

namespace metrify::queue {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z
const std::string kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

Envelope Sample() {
  return {.type = "readings",
          .version = 1,
          .produced_at_ms = kMonday + 123,
          .producer = "metrify-api@host-1",
          .traceparent = kTraceparent,
          .payload_json = R"({"kind":"reading","v":[0.30000000000000004,1e-300,-0,1e+300]})"};
}

TEST(KafkaEnvelopeTest, EncodesTheDocumentedShape) {
  EXPECT_EQ(EncodeEnvelope(Sample()),
            R"({"type":"readings","version":1,"produced_at":"2025-01-13T00:00:00.123Z",)"
            R"("producer":"metrify-api@host-1","trace":{"traceparent":")" +
                kTraceparent +
                R"("},"payload":{"kind":"reading","v":[0.30000000000000004,1e-300,-0,1e+300]}})");
  Envelope whole_second = Sample();
  whole_second.produced_at_ms = kMonday;
  whole_second.traceparent.clear();
  whole_second.payload_json.clear();
  EXPECT_EQ(EncodeEnvelope(whole_second),
            R"({"type":"readings","version":1,"produced_at":"2025-01-13T00:00:00.000Z",)"
            R"("producer":"metrify-api@host-1","trace":{},"payload":null})");
}

TEST(KafkaEnvelopeTest, RoundTripKeepsEveryMemberAndThePayloadText) {
  Result<Envelope> decoded = DecodeEnvelope(EncodeEnvelope(Sample()));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(decoded->type, "readings");
  EXPECT_EQ(decoded->version, 1);
  EXPECT_EQ(decoded->produced_at_ms, kMonday + 123);
  EXPECT_EQ(decoded->producer, "metrify-api@host-1");
  EXPECT_EQ(decoded->traceparent, kTraceparent);
  EXPECT_EQ(decoded->payload_json, Sample().payload_json);
}

TEST(KafkaEnvelopeTest, ReadsMembersInAnyOrderAndIgnoresUnknownOnes) {
  Result<Envelope> decoded = DecodeEnvelope(R"( {
      "payload" : [1, 2.50, "x"] ,
      "trace": {"tracestate": "a=b", "traceparent": "not-w3c"},
      "added_later": {"x": 1},
      "producer": "p", "produced_at": "2025-01-13T01:00:00.5+01:00",
      "version": 1, "type": "t" } )");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(decoded->payload_json, R"([1, 2.50, "x"])") << "verbatim, trailing space dropped";
  EXPECT_EQ(decoded->produced_at_ms, kMonday + 500);
  EXPECT_EQ(decoded->traceparent, "not-w3c") << "tracing never makes a message unreadable";

  for (std::string payload : {"\"text\"", "-0", "true", "null"}) {
    Result<Envelope> scalar = DecodeEnvelope(
        R"({"type":"t","version":1,"produced_at":"2025-01-13T00:00:00.000Z","producer":"p",)"
        R"("trace":{},"payload":)" +
        payload + "}");
    ASSERT_TRUE(scalar.has_value()) << payload << ": " << scalar.error().message();
    EXPECT_EQ(scalar->payload_json, payload);
    EXPECT_EQ(scalar->traceparent, "");
  }
}

struct BadEnvelope {
  std::string json;
  std::string message;  // a fragment of the error message
};

// A valid envelope with `member` replaced by `replacement` (the whole
// `"name":value` text; empty to drop it).
std::string With(const std::string& member, const std::string& replacement) {
  std::string json = EncodeEnvelope(Sample());
  size_t at = json.find("\"" + member + "\":");
  size_t end = member == "payload" ? json.size() - 1
               : member == "trace" ? json.find("},", at) + 1
                                   : json.find(',', at);
  json.replace(at, end - at, replacement);
  if (replacement.empty()) {
    // Drop the comma left behind.
    if (json[at] == ',') {
      json.erase(at, 1);
    } else if (json[at - 1] == ',') {
      json.erase(at - 1, 1);
    }
  }
  return json;
}

TEST(KafkaEnvelopeTest, DecodeErrorsNameTheProblem) {
  const std::vector<BadEnvelope> cases = {
      {"", "not valid JSON"},
      {"{\"type\":", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {EncodeEnvelope(Sample()) + " {}", "envelope"},
      {With("type", ""), "member 'type' is missing"},
      {With("version", ""), "member 'version' is missing"},
      {With("produced_at", ""), "member 'produced_at' is missing"},
      {With("producer", ""), "member 'producer' is missing"},
      {With("trace", ""), "member 'trace' is missing"},
      {With("payload", ""), "member 'payload' is missing"},
      {With("type", R"("type":7)"), "member 'type' must be a string"},
      {With("type", R"("type":"")"), "member 'type' is empty"},
      {With("version", R"("version":"1")"), "member 'version' must be an integer"},
      {With("version", R"("version":1.5)"), "member 'version' must be an integer"},
      {With("version", R"("version":2)"), "version 2 is not supported"},
      {With("produced_at", R"("produced_at":1736726400000)"),
       "member 'produced_at' must be a string"},
      {With("produced_at", R"("produced_at":"1736726400000")"),
       "member 'produced_at' must be an RFC 3339 time"},
      {With("produced_at", R"("produced_at":"2025-01-13T00:00:00")"),
       "member 'produced_at' must be an RFC 3339 time"},
      {With("produced_at", R"("produced_at":"2025-02-30T00:00:00Z")"),
       "member 'produced_at' must be an RFC 3339 time"},
      {With("producer", R"("producer":null)"), "member 'producer' must be a string"},
      {With("trace", R"("trace":"00-ab")"), "member 'trace' must be an object"},
      {With("trace", R"("trace":{"traceparent":1})"),
       "member 'trace.traceparent' must be a string"},
      {With("type", R"("type":"a","type":"b")"), "member 'type' is given twice"},
      {With("payload", R"("payload":{"a":[1,}})"), "not valid JSON"},
      {With("payload", R"("payload":{"a" 1})"), "not valid JSON"},
      {With("payload", R"("payload":[1e999])"), "not valid JSON"},
  };
  for (const BadEnvelope& bad : cases) {
    Result<Envelope> decoded = DecodeEnvelope(bad.json);
    ASSERT_FALSE(decoded.has_value()) << bad.json;
    EXPECT_EQ(decoded.error().code(), StatusCode::kInvalidArgument) << bad.json;
    EXPECT_THAT(decoded.error().message(), HasSubstr(bad.message)) << bad.json;
    EXPECT_THAT(decoded.error().message(), HasSubstr("message envelope: ")) << bad.json;
  }
}

}  // namespace
}  // namespace metrify::queue
