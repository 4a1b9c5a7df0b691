// Hostile bodies never crash the parsers and always give a consistent
// answer: random bytes, every truncation of valid bodies, and random byte
// edits of them, in every format and kind. A fixed seed keeps failures
// reproducible; run this under -fsanitize=address,undefined to make it
// meaningful. For a longer run set METRIFY_PARSE_FUZZ_ROUNDS (default 3000)
// and METRIFY_PARSE_FUZZ_SEED.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "parse/parse_testing.h"

namespace metrify::parse {
namespace {

constexpr BodyFormat kFormats[] = {BodyFormat::kJsonArray, BodyFormat::kNdjson, BodyFormat::kCsv};

const char* const kJsonBody = R"([
  {"meter_id":"SM000001","timestamp":"2026-03-29T01:15:00+01:00","energy_kwh":0.125,"voltage_v":231.4},
  {"meter_id":"SM000002","timestamp":1774742400000,"power_factor":0.973,"interval_s":900},
  {"meter_id":"SM\u0030003","timestamp":"2026-10-25T02:30:00.5+02:00","frequency_hz":50.01,"current_a":null}
])";
const char* const kNdjsonBody =
    "{\"meter_id\":\"SM000001\",\"timestamp\":\"2026-03-29T01:15:00+01:00\",\"energy_kwh\":0.125}"
    "\r\n"
    "\n"
    "{\"meter_id\":\"SM000002\",\"timestamp\":1774742400000,\"voltage_v\":-1e3,\"interval\":60}\n"
    "{\"meter_id\":\"SM000003\",\"timestamp\":\"2026-03-29T00:00:00Z\",\"energy_kwh\":NaN}\n";
const char* const kCsvBody =
    "meter_id;timestamp;energy_kwh;voltage_v\r\n"
    "SM000001;2026-03-29T01:15:00+01:00;0.125;231.4\r\n"
    "\"SM000002\";\"1774742400000\";\"0.5\";\r\n"
    "SM000003;2026-03-29T00:00:00Z;;230\n";

int Rounds() {
  const char* text = std::getenv("METRIFY_PARSE_FUZZ_ROUNDS");
  return text ? std::atoi(text) : 3000;
}

uint32_t Seed(uint32_t fallback) {
  const char* text = std::getenv("METRIFY_PARSE_FUZZ_SEED");
  return text ? static_cast<uint32_t>(std::strtoul(text, nullptr, 10)) : fallback;
}

const char* BodyOf(BodyFormat format) {
  switch (format) {
    case BodyFormat::kJsonArray:
      return kJsonBody;
    case BodyFormat::kNdjson:
      return kNdjsonBody;
    case BodyFormat::kCsv:
      return kCsvBody;
  }
  return "";
}

// Whatever the body, an answer is either a body error or a batch whose
// parts add up.
void ExpectConsistent(std::string_view body, BodyFormat format, const SampleParseOptions& options) {
  Result<ParsedBatch> result = ParseSamples(body, format, options);
  if (!result.has_value()) {
    EXPECT_FALSE(result.error().message().empty());
    return;
  }
  const ParsedBatch& batch = *result;
  ASSERT_EQ(batch.items, batch.samples.size() + batch.errors.size());
  ASSERT_EQ(batch.item_of_sample.size(), batch.samples.size());
  size_t next_sample = 0, next_error = 0;
  for (size_t item = 0; item < batch.items; ++item) {
    bool accepted = next_sample < batch.samples.size() && batch.item_of_sample[next_sample] == item;
    bool rejected = next_error < batch.errors.size() && batch.errors[next_error].index == item;
    ASSERT_NE(accepted, rejected) << "item " << item << " must be exactly one of the two";
    if (accepted) {
      const model::Sample& s = batch.samples[next_sample++];
      EXPECT_TRUE(IsValidEntityId(s.entity_id));
      EXPECT_NE(s.present, 0u);
      EXPECT_GE(s.timestamp_ms, kMinTimestampMs);
      EXPECT_LE(s.timestamp_ms, kMaxTimestampMs);
    } else {
      const ItemError& e = batch.errors[next_error++];
      EXPECT_FALSE(e.code.empty());
      EXPECT_FALSE(e.message.empty());
    }
  }
}

SampleParseOptions OptionsFor(uint32_t n) {
  static constexpr model::SeriesKind kKinds[] = {
      model::SeriesKind::kReading, model::SeriesKind::kGridStatus, model::SeriesKind::kObservation};
  return DefaultOptions(kKinds[n % 3], n % 2 ? "SM000001" : "");
}

TEST(ParseRobustness, RandomBytesNeverCrash) {
  std::mt19937 rng(Seed(20260329));
  const std::string alphabet = "{}[]\",:;\n\r\t 0123456789.eE+-truefalsnulNaInfyZT\\u\xff\xc3";
  for (int round = 0; round < Rounds(); ++round) {
    size_t length = rng() % 200;
    std::string body;
    bool structured = round % 2 == 0;  // half from a JSON-ish alphabet, half any byte
    for (size_t i = 0; i < length; ++i) {
      body += structured ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    }
    for (BodyFormat format : kFormats) ExpectConsistent(body, format, OptionsFor(rng()));
  }
}

TEST(ParseRobustness, EveryTruncationOfValidBodiesIsHandled) {
  for (BodyFormat format : kFormats) {
    std::string body = BodyOf(format);
    for (size_t length = 0; length <= body.size(); ++length) {
      ExpectConsistent(std::string_view(body).substr(0, length), format, OptionsFor(0));
    }
  }
}

TEST(ParseRobustness, RandomByteEditsOfValidBodiesAreHandled) {
  std::mt19937 rng(Seed(7));
  for (BodyFormat format : kFormats) {
    const std::string original = BodyOf(format);
    for (int round = 0; round < Rounds(); ++round) {
      std::string body = original;
      for (int edits = 1 + rng() % 4; edits > 0; --edits) {
        size_t at = rng() % body.size();
        switch (rng() % 3) {
          case 0:
            body[at] = static_cast<char>(rng() % 256);
            break;
          case 1:
            body.erase(at, 1 + rng() % 8);
            break;
          default:
            body.insert(at, 1, "{}[]\",:;\n\\"[rng() % 10]);
            break;
        }
        if (body.empty()) body = "x";
      }
      ExpectConsistent(body, format, OptionsFor(round));
    }
  }
}

}  // namespace
}  // namespace metrify::parse
