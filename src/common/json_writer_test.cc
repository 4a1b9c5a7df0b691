#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace metrify {
namespace {

TEST(JsonWriter, NestedContainersGetSeparatorsRight) {
  JsonWriter w;
  w.BeginObject().Key("a").BeginArray().Int(1).Int(2).BeginObject().EndObject().EndArray();
  w.Key("b").Null().Key("c").Bool(false).EndObject();
  EXPECT_EQ(w.str(), R"({"a":[1,2,{}],"b":null,"c":false})");
}

TEST(JsonWriter, StringsAreEscaped) {
  JsonWriter w;
  w.String("quote\" back\\ nl\n tab\t bell\x07 ü");
  EXPECT_EQ(w.str(), "\"quote\\\" back\\\\ nl\\n tab\\t bell\\u0007 ü\"");
}

TEST(JsonWriter, NumbersRoundTripAndNonFiniteBecomesNull) {
  JsonWriter w;
  w.BeginArray()
      .Number(0.1)
      .Number(1e21)
      .Number(std::nan(""))
      .Number(std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(w.str(), "[0.1,1e+21,null,null]");
}

TEST(JsonWriter, ExtremeNumbersAreWrittenWhole) {
  JsonWriter w;
  w.BeginArray()
      .Number(-std::numeric_limits<double>::denorm_min())
      .Number(-2.2250738585072014e-308)
      .Number(-std::numeric_limits<double>::max())
      .Int(std::numeric_limits<int64_t>::min());
  w.EndArray();
  EXPECT_EQ(w.str(),
            "[-5e-324,-2.2250738585072014e-308,-1.7976931348623157e+308,"
            "-9223372036854775808]");
}

TEST(JsonWriter, SplicedPiecesJoinIntoOneArray) {
  JsonWriter first, empty, second;
  first.BeginArray().Int(1).BeginObject().Key("a").Int(2).EndObject();
  empty.BeginArray();
  second.BeginArray().String("x");
  JsonWriter w;
  w.BeginObject().Key("rows").BeginArray().SpliceElements(empty).SpliceElements(first);
  w.SpliceElements(empty).SpliceElements(second).EndArray().EndObject();
  EXPECT_EQ(w.str(), R"({"rows":[1,{"a":2},"x"]})");
}

}  // namespace
}  // namespace metrify
