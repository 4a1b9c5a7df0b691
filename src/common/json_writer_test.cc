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

}  // namespace
}  // namespace metrify
