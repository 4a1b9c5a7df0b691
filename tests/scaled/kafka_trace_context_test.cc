// W3C trace context ids (queue/trace_context.h): the shape of new ones,
// which texts are valid, and children that stay in their parent's trace.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "queue/trace_context.h"

namespace metrify::queue {
namespace {

const std::regex kVersion00("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

TEST(KafkaTraceContextTest, NewTraceparentsAreVersion00SampledAndDistinct) {
  std::set<std::string> trace_ids;
  for (int i = 0; i < 200; ++i) {
    std::string tp = NewTraceparent();
    ASSERT_TRUE(std::regex_match(tp, kVersion00)) << tp;
    EXPECT_TRUE(tp.ends_with("-01")) << tp;
    EXPECT_TRUE(ValidTraceparent(tp)) << tp;
    trace_ids.insert(tp.substr(3, 32));
  }
  EXPECT_EQ(trace_ids.size(), 200u);
}

TEST(KafkaTraceContextTest, ValidityFollowsTheSpec) {
  const std::string good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_TRUE(ValidTraceparent(good));
  EXPECT_TRUE(ValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  // A later version may add parts after a dash.
  EXPECT_TRUE(ValidTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"));

  EXPECT_FALSE(ValidTraceparent(""));
  EXPECT_FALSE(ValidTraceparent(good.substr(0, 54)));
  EXPECT_FALSE(ValidTraceparent(good + "-extra")) << "version 00 has exactly four parts";
  EXPECT_FALSE(ValidTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
  EXPECT_FALSE(ValidTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ValidTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"))
      << "upper case";
  EXPECT_FALSE(ValidTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(ValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(ValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z"));
}

TEST(KafkaTraceContextTest, ChildKeepsTraceIdAndFlagsWithANewSpan) {
  const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  std::string child = ChildTraceparent(parent);
  ASSERT_TRUE(ValidTraceparent(child)) << child;
  EXPECT_EQ(child.substr(0, 36), parent.substr(0, 36)) << "same version and trace id";
  EXPECT_NE(child.substr(36, 16), parent.substr(36, 16)) << "a new span id";
  EXPECT_EQ(child.substr(52), "-00") << "the parent's sampling decision";
  EXPECT_NE(ChildTraceparent(parent), child);

  // A later version's parent still yields a version 00 child.
  std::string from_v1 =
      ChildTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz");
  EXPECT_TRUE(std::regex_match(from_v1, kVersion00)) << from_v1;
  EXPECT_EQ(from_v1.substr(3, 32), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(KafkaTraceContextTest, ChildOfAnInvalidParentStartsANewTrace) {
  for (const char* parent :
       {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}) {
    std::string child = ChildTraceparent(parent);
    EXPECT_TRUE(ValidTraceparent(child)) << parent << " -> " << child;
    EXPECT_TRUE(child.ends_with("-01")) << child;
  }
}

}  // namespace
}  // namespace metrify::queue
