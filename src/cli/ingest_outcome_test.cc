// The ingest outcome of a chunk added up and mapped back to file lines, the
// summary in text and JSON, the server's error bodies as messages, and the
// progress line.
#include "cli/ingest_outcome.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/progress.h"

namespace metrify::cli {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kOutcome =
    R"({"items":4,"accepted":2,"rejected":2,"inserted":1,"unchanged":1,"revised":0,)"
    R"("registered":0,"errors":[{"index":1,"line":3,"field":"timestamp",)"
    R"("code":"invalid_timestamp","message":"timestamp \"x\" is not a time"},)"
    R"({"index":3,"code":"malformed_item","message":"not an object"}]})";

TEST(IngestOutcomeTest, IndexesBecomeFileLinesAndCountsAddUp) {
  IngestCounts counts;
  std::vector<ItemRejection> rejections;
  const std::vector<size_t> lines = {10, 12, 13, 17};
  ASSERT_TRUE(AddOutcome(kOutcome, "a.csv", lines, &counts, &rejections).ok());
  ASSERT_TRUE(AddOutcome(kOutcome, "a.csv", lines, &counts, &rejections).ok());
  EXPECT_EQ(counts.items, 8u);
  EXPECT_EQ(counts.accepted, 4u);
  EXPECT_EQ(counts.inserted, 2u);
  EXPECT_EQ(counts.unchanged, 2u);
  EXPECT_EQ(counts.rejected, 4u);
  ASSERT_EQ(rejections.size(), 4u);
  EXPECT_EQ(rejections[0].line, 12u) << "index 1 is the chunk's second item, not the body line";
  EXPECT_EQ(rejections[0].field, "timestamp");
  EXPECT_EQ(rejections[1].line, 17u);
  EXPECT_EQ(FormatRejection(rejections[0]),
            "a.csv:12: invalid_timestamp: timestamp \"x\" is not a time");
}

TEST(IngestOutcomeTest, AnIndexOutsideTheChunkHasNoLine) {
  IngestCounts counts;
  std::vector<ItemRejection> rejections;
  ASSERT_TRUE(AddOutcome(kOutcome, "b.ndjson", {5, 6}, &counts, &rejections).ok());
  EXPECT_EQ(rejections[1].line, 0u);
  EXPECT_EQ(FormatRejection(rejections[1]), "b.ndjson: malformed_item: not an object");
}

TEST(IngestOutcomeTest, AnswerThatIsNoOutcomeIsAnError) {
  IngestCounts counts;
  std::vector<ItemRejection> rejections;
  EXPECT_FALSE(AddOutcome("<html>", "f", {}, &counts, &rejections).ok());
  EXPECT_FALSE(AddOutcome(R"({"items":1})", "f", {}, &counts, &rejections).ok());
}

TEST(IngestOutcomeTest, SummaryTextAndJson) {
  IngestCounts c{.files = 2,
                 .items = 10,
                 .accepted = 8,
                 .inserted = 6,
                 .unchanged = 1,
                 .revised = 1,
                 .registered = 0,
                 .rejected = 2};
  EXPECT_EQ(SummaryText(c, 2.0),
            "2 files, 10 items: 8 accepted (6 inserted, 1 unchanged, 1 revised), 2 rejected in "
            "2.0 s (5 items/s)");
  c.registered = 3;
  EXPECT_THAT(SummaryText(c, 2.0), HasSubstr(", 3 entities registered"));
  std::vector<ItemRejection> rejections = {{"f.csv", 4, "wrong_type", "energy_kwh", "m \"1\""},
                                           {"f.csv", 9, "malformed_item", "", "bad"}};
  EXPECT_EQ(SummaryJson(c, 2.0, rejections, ""),
            R"({"files":2,"items":10,"accepted":8,"inserted":6,"unchanged":1,"revised":1,)"
            R"("registered":3,"rejected":2,"seconds":2,"items_per_second":5,"errors":[)"
            R"({"file":"f.csv","line":4,"code":"wrong_type","field":"energy_kwh",)"
            R"("message":"m \"1\""},{"file":"f.csv","line":9,"code":"malformed_item",)"
            R"("field":null,"message":"bad"}],"error":null})");
  EXPECT_THAT(SummaryJson(c, 1, {}, "stopped here"), HasSubstr(R"("error":"stopped here"})"));
}

TEST(IngestOutcomeTest, ErrorBodiesBecomeMessages) {
  EXPECT_EQ(ErrorBodyMessage(400, R"({"error":{"code":"bad_request","message":"no header"}})"),
            "no header");
  EXPECT_EQ(ErrorBodyMessage(
                422, R"({"error":{"code":"validation_failed","message":"2 fields are invalid",)"
                     R"("details":[{"field":"tz","code":"c","message":"unknown zone"},)"
                     R"({"field":"end","code":"c","message":"end must be after start"}]}})"),
            "2 fields are invalid\n  tz: unknown zone\n  end must be after start");
  EXPECT_EQ(ErrorBodyMessage(502, "Bad Gateway"), "server answered 502: Bad Gateway");
}

TEST(IngestProgressTest, LineWithAndWithoutATotal) {
  EXPECT_EQ(IngestProgressText({.bytes_read = 5'000'000,
                                .bytes_total = 20'000'000,
                                .items = 1000,
                                .accepted = 990,
                                .rejected = 10,
                                .seconds = 2}),
            "[#####---------------]  25%  5.0/20.0 MB  500 items/s  990 accepted  10 rejected");
  EXPECT_EQ(IngestProgressText({.bytes_read = 1'500'000,
                                .bytes_total = 0,
                                .items = 3,
                                .accepted = 3,
                                .rejected = 0,
                                .seconds = 1}),
            "1.5 MB  3 items/s  3 accepted  0 rejected");
}

}  // namespace
}  // namespace metrify::cli
