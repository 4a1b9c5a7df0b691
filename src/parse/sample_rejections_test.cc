// Every rejection code in every format where it can occur: the bad item sits
// between two good ones, is rejected with its index, line, field and code,
// and both neighbours are kept with the right item_of_sample.
//
// unknown_field and duplicate_field cannot happen to one CSV row: the header
// names the columns once for all rows, so a CSV header with an unknown or
// repeated name rejects the body (CsvSamples tests).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parse_testing.h"
#include "parse/rejections.h"

namespace metrify::parse {
namespace {

using parse_testing::Describe;

struct RejectionCase {
  std::string name;     // test name suffix
  std::string bad;      // the bad item: a JSON object, or a CSV row
  std::string code;     // expected ItemError::code
  std::string field;    // expected ItemError::field
  std::string path_id;  // the id in the request path, if any
  BodyFormat format = BodyFormat::kJsonArray;
};

void PrintTo(const RejectionCase& c, std::ostream* os) { *os << c.name << ": " << c.bad; }

RejectionCase Case(std::string name, std::string bad, std::string code, std::string field,
                   std::string path_id = "") {
  return {std::move(name), std::move(bad), std::move(code), std::move(field), std::move(path_id)};
}

constexpr std::string_view kGoodJson =
    R"({"meter_id":"SM1","timestamp":"2026-03-29T01:00:00+01:00","energy_kwh":0.25})";
constexpr std::string_view kCsvHeader = "meter_id,timestamp,energy_kwh,voltage_v,interval_s\n";
constexpr std::string_view kGoodCsv = "SM1,2026-03-29T01:00:00+01:00,0.25,230.1,900";

std::string JsonItem(std::string_view members) {
  return R"({"meter_id":"SM1","timestamp":"2026-03-29T01:00:00+01:00",)" + std::string(members) +
         "}";
}

// Cases that read the same in JSON arrays and NDJSON lines.
std::vector<RejectionCase> JsonCases() {
  const std::string ts = R"("timestamp":"2026-03-29T01:00:00+01:00")";
  return {
      Case("MissingEntity", "{" + ts + R"(,"energy_kwh":1})", "missing_entity", "meter_id"),
      Case("NullEntityIsMissing", R"({"meter_id":null,)" + ts + R"(,"energy_kwh":1})",
           "missing_entity", "meter_id"),
      Case("EntityMismatch", R"({"meter_id":"SM2",)" + ts + R"(,"energy_kwh":1})",
           "entity_mismatch", "meter_id", "SM1"),
      Case("InvalidEntityId", R"({"meter_id":"-SM1",)" + ts + R"(,"energy_kwh":1})",
           "invalid_entity_id", "meter_id"),
      Case("EmptyEntityId", R"({"meter_id":"",)" + ts + R"(,"energy_kwh":1})", "invalid_entity_id",
           "meter_id"),
      Case("MissingTimestamp", R"({"meter_id":"SM1","energy_kwh":1})", "missing_timestamp",
           "timestamp"),
      Case("InvalidTimestamp",
           R"({"meter_id":"SM1","timestamp":"2026-02-30T00:00:00Z","energy_kwh":1})",
           "invalid_timestamp", "timestamp"),
      Case("FractionalEpochMillis",
           R"({"meter_id":"SM1","timestamp":1774742400000.5,"energy_kwh":1})", "invalid_timestamp",
           "timestamp"),
      Case("NegativeEpochMillis", R"({"meter_id":"SM1","timestamp":-900000,"energy_kwh":1})",
           "invalid_timestamp", "timestamp"),
      Case("TimestampWithoutOffset",
           R"({"meter_id":"SM1","timestamp":"2026-03-29T02:30:00","energy_kwh":1})",
           "timestamp_without_offset", "timestamp"),
      Case("UnknownField", JsonItem(R"("energy":1)"), "unknown_field", "energy"),
      Case("StringNumber", JsonItem(R"("energy_kwh":"0.25")"), "wrong_type", "energy_kwh"),
      Case("NumericEntity", R"({"meter_id":42,)" + ts + R"(,"energy_kwh":1})", "wrong_type",
           "meter_id"),
      Case("BooleanTimestamp", R"({"meter_id":"SM1","timestamp":true,"energy_kwh":1})",
           "wrong_type", "timestamp"),
      Case("NotFiniteNaN", JsonItem(R"("energy_kwh":NaN)"), "not_finite", "energy_kwh"),
      Case("NotFiniteInfinity", JsonItem(R"("voltage_v":-Infinity)"), "not_finite", "voltage_v"),
      Case("NotFiniteOverflow", JsonItem(R"("energy_kwh":1e400)"), "not_finite", "energy_kwh"),
      Case("InvalidInterval", JsonItem(R"("energy_kwh":1,"interval_s":700)"), "invalid_interval",
           "interval_s"),
      Case("FractionalInterval", JsonItem(R"("energy_kwh":1,"interval":900.5)"), "invalid_interval",
           "interval"),
      Case("NoValues", R"({"meter_id":"SM1",)" + ts + "}", "no_values", ""),
      Case("AllValuesNull", JsonItem(R"("energy_kwh":null,"voltage_v":null)"), "no_values", ""),
      Case("NotAnObject", "[1,2]", "malformed_item", ""),
      Case("MalformedNumber", JsonItem(R"("energy_kwh":1.2.3)"), "malformed_item", "energy_kwh"),
      Case("DuplicateField", JsonItem(R"("energy_kwh":1,"energy_kwh":2)"), "duplicate_field",
           "energy_kwh"),
      Case("IntervalAndAlias", JsonItem(R"("energy_kwh":1,"interval_s":900,"interval":900)"),
           "duplicate_field", "interval"),
  };
}

std::vector<RejectionCase> NdjsonOnlyCases() {
  return {
      Case("LineNotJson", "hello", "malformed_item", ""),
      Case("LineUnclosed", R"({"meter_id":"SM1","energy_kwh":1)", "malformed_item", ""),
      Case("LineMissingComma", R"({"meter_id":"SM1" "energy_kwh":1})", "malformed_item", ""),
      Case("LineWithTrailingText", std::string(kGoodJson) + " x", "malformed_item", ""),
  };
}

std::vector<RejectionCase> CsvCases() {
  return {
      Case("MissingEntity", ",2026-03-29T01:00:00Z,1,,", "missing_entity", "meter_id"),
      Case("EntityMismatch", "SM2,2026-03-29T01:00:00Z,1,,", "entity_mismatch", "meter_id", "SM1"),
      Case("InvalidEntityId", "SM 1,2026-03-29T01:00:00Z,1,,", "invalid_entity_id", "meter_id"),
      Case("MissingTimestamp", "SM1,,1,,", "missing_timestamp", "timestamp"),
      Case("InvalidTimestamp", "SM1,29.03.2026 01:00,1,,", "invalid_timestamp", "timestamp"),
      Case("TimestampWithoutOffset", "SM1,2026-03-29 02:30:00,1,,", "timestamp_without_offset",
           "timestamp"),
      Case("WrongType", "SM1,2026-03-29T01:00:00Z,abc,,", "wrong_type", "energy_kwh"),
      Case("DecimalComma", "SM1,2026-03-29T01:00:00Z,\"0,25\",,", "wrong_type", "energy_kwh"),
      Case("NotFiniteNaN", "SM1,2026-03-29T01:00:00Z,NaN,,", "not_finite", "energy_kwh"),
      Case("NotFiniteInf", "SM1,2026-03-29T01:00:00Z,1,-inf,", "not_finite", "voltage_v"),
      Case("NotFiniteOverflow", "SM1,2026-03-29T01:00:00Z,1e400,,", "not_finite", "energy_kwh"),
      Case("InvalidInterval", "SM1,2026-03-29T01:00:00Z,1,,7", "invalid_interval", "interval_s"),
      Case("NoValues", "SM1,2026-03-29T01:00:00Z,,,900", "no_values", ""),
      Case("TooFewCells", "SM1,2026-03-29T01:00:00Z,1", "malformed_item", ""),
      Case("TooManyCells", "SM1,2026-03-29T01:00:00Z,1,2,900,5", "malformed_item", ""),
  };
}

std::vector<RejectionCase> AllCases() {
  std::vector<RejectionCase> all;
  for (auto c : JsonCases()) {
    c.format = BodyFormat::kJsonArray;
    all.push_back(c);
    c.format = BodyFormat::kNdjson;
    all.push_back(c);
  }
  for (auto c : NdjsonOnlyCases()) {
    c.format = BodyFormat::kNdjson;
    all.push_back(c);
  }
  for (auto c : CsvCases()) {
    c.format = BodyFormat::kCsv;
    all.push_back(c);
  }
  return all;
}

std::string BodyAround(const RejectionCase& c) {
  switch (c.format) {
    case BodyFormat::kJsonArray:
      return parse_testing::JsonArrayAround(kGoodJson, c.bad);
    case BodyFormat::kNdjson:
      return parse_testing::NdjsonAround(kGoodJson, c.bad);
    case BodyFormat::kCsv:
      return std::string(kCsvHeader) + std::string(kGoodCsv) + "\n" + c.bad + "\n" +
             std::string(kGoodCsv) + "\n";
  }
  return "";
}

class EveryRejectionCode : public ::testing::TestWithParam<RejectionCase> {};

TEST_P(EveryRejectionCode, RejectsOnlyTheBadItem) {
  const RejectionCase& c = GetParam();
  std::string body = BodyAround(c);
  ParsedBatch batch = parse_testing::ParseReadings(body, c.format, c.path_id);
  EXPECT_EQ(batch.items, 3u);
  ASSERT_EQ(batch.errors.size(), 1u) << body;
  const ItemError& error = batch.errors[0];
  EXPECT_EQ(error.code, c.code) << Describe(error);
  EXPECT_EQ(error.field, c.field) << Describe(error);
  EXPECT_EQ(error.index, 1u);
  EXPECT_EQ(error.line,
            c.format == BodyFormat::kJsonArray ? 0u : 2u + (c.format == BodyFormat::kCsv));
  EXPECT_FALSE(error.message.empty());
  ASSERT_EQ(batch.samples.size(), 2u);
  EXPECT_EQ(batch.item_of_sample, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(batch.samples[1].entity_id, "SM1");
}

std::string CaseName(const ::testing::TestParamInfo<RejectionCase>& info) {
  return std::string(BodyFormatName(info.param.format)) + "_" + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Formats, EveryRejectionCode, ::testing::ValuesIn(AllCases()), CaseName);

const std::vector<std::string_view> kAllCodes = {
    reject::kMissingEntity,    reject::kEntityMismatch,   reject::kInvalidEntityId,
    reject::kMissingTimestamp, reject::kInvalidTimestamp, reject::kTimestampWithoutOffset,
    reject::kUnknownField,     reject::kWrongType,        reject::kNotFinite,
    reject::kInvalidInterval,  reject::kNoValues,         reject::kMalformedItem,
    reject::kDuplicateField};

// The named list and the tests agree: each code occurs in some case.
TEST(RejectionCodes, EveryNamedCodeIsExercised) {
  for (std::string_view code : kAllCodes) {
    bool found = false;
    for (const auto& c : AllCases()) found = found || c.code == code;
    EXPECT_TRUE(found) << code;
  }
}

#ifdef METRIFY_SOURCE_DIR
// docs/api.md "Ingest rejections" has a table row for each code.
TEST(RejectionCodes, EveryCodeIsDocumented) {
  std::ifstream file(std::string(METRIFY_SOURCE_DIR) + "/docs/api.md");
  std::stringstream text;
  text << file.rdbuf();
  std::string doc = text.str();
  size_t section = doc.find("## Ingest rejections");
  ASSERT_NE(section, std::string::npos);
  for (std::string_view code : kAllCodes) {
    EXPECT_NE(doc.find("| `" + std::string(code) + "` |", section), std::string::npos) << code;
  }
}
#endif

}  // namespace
}  // namespace metrify::parse
