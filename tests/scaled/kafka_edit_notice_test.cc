// The edit notice an API replica sends to the meter's ingest worker
// (queue/edit_notice.h): round trip, and each malformed payload named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "queue/edit_notice.h"

namespace metrify::queue {
namespace {

using ::testing::HasSubstr;

TEST(KafkaEditNoticeTest, RoundTrips) {
  const std::string json = EncodeEditNotice({"SM \"1\"", 1748773800000});
  Result<EditNotice> back = DecodeEditNotice(json);
  ASSERT_TRUE(back.has_value()) << back.status().message();
  EXPECT_EQ(back->meter_id, "SM \"1\"");
  EXPECT_EQ(back->timestamp_ms, 1748773800000);
}

TEST(KafkaEditNoticeTest, MalformedPayloadsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "not a JSON object"},
      {"{not json", "not a JSON object"},
      {R"({"timestamp":1})", "meter_id"},
      {R"({"meter_id":"","timestamp":1})", "meter_id"},
      {R"({"meter_id":"SM1"})", "timestamp"},
      {R"({"meter_id":"SM1","timestamp":"2025-06-01"})", "timestamp"},
  };
  for (const auto& [payload, named] : cases) {
    Result<EditNotice> r = DecodeEditNotice(payload);
    ASSERT_FALSE(r.has_value()) << payload;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(named)) << payload;
  }
}

}  // namespace
}  // namespace metrify::queue
