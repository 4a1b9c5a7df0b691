// Shared by the parse/ tests: build bodies, parse them and describe results.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parse/sample_parser.h"

namespace metrify::parse::parse_testing {

// Parses and fails the test (returning an empty batch) on a whole-body error.
inline ParsedBatch ParseOk(std::string_view body, BodyFormat format,
                           const SampleParseOptions& options) {
  Result<ParsedBatch> result = ParseSamples(body, format, options);
  EXPECT_TRUE(result.has_value()) << result.status().ToString() << "\nbody: " << body;
  return result.has_value() ? std::move(result).value() : ParsedBatch{};
}

inline ParsedBatch ParseReadings(std::string_view body, BodyFormat format,
                                 std::string_view path_id = {}) {
  return ParseOk(body, format, DefaultOptions(model::SeriesKind::kReading, path_id));
}

// The whole-body error message, or "" (and a test failure) when it parsed.
inline std::string BodyError(std::string_view body, BodyFormat format,
                             const SampleParseOptions& options) {
  Result<ParsedBatch> result = ParseSamples(body, format, options);
  EXPECT_FALSE(result.has_value()) << "body: " << body;
  if (result.has_value()) return "";
  EXPECT_EQ(result.error().code(), StatusCode::kInvalidArgument);
  return result.error().message();
}

// "index 1 line 3 energy_kwh not_finite: message" for failure output.
inline std::string Describe(const ItemError& e) {
  return "index " + std::to_string(e.index) + " line " + std::to_string(e.line) + " " + e.field +
         " " + e.code + ": " + e.message;
}

// Three NDJSON lines or JSON array elements around `bad`.
inline std::string JsonArrayAround(std::string_view good, std::string_view bad) {
  return "[" + std::string(good) + ",\n" + std::string(bad) + ",\n" + std::string(good) + "]";
}
inline std::string NdjsonAround(std::string_view good, std::string_view bad) {
  return std::string(good) + "\n" + std::string(bad) + "\n" + std::string(good) + "\n";
}

}  // namespace metrify::parse::parse_testing
