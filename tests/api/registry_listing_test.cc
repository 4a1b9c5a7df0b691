// Listing registry entities: every filter of every resource, paging and
// its limits. Each filter case creates one entity that matches and one that
// does not, both in a city of their own so other tests' data never counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;

struct FilterCase {
  std::string name;
  std::string_view base;
  std::string required_fields;  // what every entity of `base` needs besides id
  std::string query;            // e.g. "status=inactive"
  std::string matching;         // fields of the entity the query must find
  std::string other;            // fields of the one it must not
  std::string setup_operator;   // a grid operator to create first, when referenced
};

// Names the case in test listings (ctest shows the parameter).
void PrintTo(const FilterCase& c, std::ostream* os) { *os << c.name; }

class ApiFilterTest : public ServerTest, public ::testing::WithParamInterface<FilterCase> {
 protected:
  // The case's own city, unless the case is about the city itself.
  std::string ScopeCity() const { return "Filterstadt-" + GetParam().name; }
  bool SetsCity() const { return GetParam().matching.find("\"city\"") != std::string::npos; }

  TestResponse CreateEntity(std::string_view id, const std::string& fields) {
    const FilterCase& c = GetParam();
    std::string body = "{\"id\":\"" + std::string(id) + "\"," + fields;
    if (!c.required_fields.empty()) body += "," + c.required_fields;
    if (!SetsCity()) body += ",\"city\":\"" + ScopeCity() + "\"";
    return Post(c.base, body + "}");
  }
};

TEST_P(ApiFilterTest, FilterReturnsOnlyMatchingEntities) {
  const FilterCase& c = GetParam();
  if (!c.setup_operator.empty()) {
    ASSERT_EQ(
        Post(kOperators, R"({"id":")" + c.setup_operator + R"(","name":"Filter operator"})").status,
        201);
  }
  std::string match_id = c.name + "-match", other_id = c.name + "-other";
  ASSERT_EQ(CreateEntity(match_id, c.matching).status, 201);
  ASSERT_EQ(CreateEntity(other_id, c.other).status, 201);
  std::string target = std::string(c.base) + "?" + c.query;
  if (!SetsCity()) target += "&city=" + ScopeCity();
  TestResponse r = Get(target);
  ASSERT_EQ(r.status, 200) << target << ": " << r.body;
  JsonDoc page(r.body);
  EXPECT_THAT(page.Strings("/items", "id"), ElementsAre(match_id)) << target;
  EXPECT_EQ(page.Int("/total_count"), 1);
  EXPECT_FALSE(page.Bool("/has_next"));
}

INSTANTIATE_TEST_SUITE_P(
    AllFilters, ApiFilterTest,
    ::testing::Values(
        FilterCase{"MetersByStatus", kMeters, "", "status=inactive", R"("status":"INACTIVE")",
                   R"("status":"ACTIVE")", ""},
        FilterCase{"MetersByType", kMeters, "", "type=heat", R"("type":"heat")", R"("type":"gas")",
                   ""},
        FilterCase{"MetersByOperator", kMeters, "", "operator=OP-FILTER",
                   R"("grid_operator_id":"OP-FILTER")", R"("status":"ACTIVE")", "OP-FILTER"},
        FilterCase{"MetersByCityIgnoringCase", kMeters, "", "city=k%C3%B6ln-filter",
                   R"("city":"Köln-Filter")", R"("city":"Bonn-Filter")", ""},
        FilterCase{"MetersBySegment", kMeters, "", "segment=industrial",
                   R"("segment":"industrial")", R"("segment":"commercial")", ""},
        FilterCase{"OperatorsByType", kOperators, R"("name":"n")", "type=DSO", R"("type":"DSO")",
                   R"("type":"TSO")", ""},
        FilterCase{"OperatorsByStatus", kOperators, R"("name":"n")", "status=offline",
                   R"("status":"OFFLINE")", R"("status":"ACTIVE")", ""},
        FilterCase{"OperatorsByCity", kOperators, R"("name":"n")", "city=Operatorstadt",
                   R"("city":"Operatorstadt")", R"("city":"Anderswo-Op")", ""},
        FilterCase{"StationsByProvider", kStations, R"("name":"n","latitude":1.5,"longitude":2.5)",
                   "provider=Meteomatics", R"("provider":"Meteomatics")", R"("provider":"DWD")",
                   ""},
        FilterCase{"StationsByType", kStations, R"("name":"n","latitude":1.5,"longitude":2.5)",
                   "type=precipitation", R"("type":"precipitation")", R"("type":"climate")", ""},
        FilterCase{"StationsByStatus", kStations, R"("name":"n","latitude":1.5,"longitude":2.5)",
                   "status=maintenance", R"("status":"MAINTENANCE")", R"("status":"ACTIVE")", ""},
        FilterCase{"StationsByCity", kStations, R"("name":"n","latitude":1.5,"longitude":2.5)",
                   "city=Stationstadt", R"("city":"Stationstadt")", R"("city":"Anderswo-St")", ""}),
    [](const auto& info) { return info.param.name; });

// Paging over a city of five meters, created once for the suite.
class ApiPagingTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    StartServer();
    TestHttpClient client("127.0.0.1", server().port());
    // Created out of order: listings are ordered by id.
    for (std::string id : {"PAGE-3", "PAGE-1", "PAGE-5", "PAGE-2", "PAGE-4"}) {
      TestResponse r =
          client.Post(std::string(kMeters), R"({"id":")" + id + R"(","city":"Pagingen"})");
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

 protected:
  JsonDoc Page(std::string_view params) {
    TestResponse r = Get(std::string(kMeters) + "?city=Pagingen&" + std::string(params));
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonDoc(r.body);
  }
};

TEST_F(ApiPagingTest, PagesSplitTheListingInIdOrder) {
  JsonDoc first = Page("page_size=2");
  EXPECT_THAT(first.Strings("/items", "id"), ElementsAre("PAGE-1", "PAGE-2"));
  EXPECT_EQ(first.Int("/page"), 1);
  EXPECT_EQ(first.Int("/page_size"), 2);
  EXPECT_EQ(first.Int("/total_count"), 5);
  EXPECT_TRUE(first.Bool("/has_next"));

  JsonDoc second = Page("page=2&page_size=2");
  EXPECT_THAT(second.Strings("/items", "id"), ElementsAre("PAGE-3", "PAGE-4"));
  EXPECT_TRUE(second.Bool("/has_next"));

  JsonDoc last = Page("page=3&page_size=2");
  EXPECT_THAT(last.Strings("/items", "id"), ElementsAre("PAGE-5"));
  EXPECT_EQ(last.Int("/total_count"), 5);
  EXPECT_FALSE(last.Bool("/has_next"));
}

TEST_F(ApiPagingTest, PageBeyondTheEndIsEmptyWithTheTotal) {
  JsonDoc beyond = Page("page=4&page_size=2");
  EXPECT_EQ(beyond.Size("/items"), 0u);
  EXPECT_EQ(beyond.Int("/total_count"), 5);
  EXPECT_FALSE(beyond.Bool("/has_next"));
}

TEST_F(ApiPagingTest, ExactlyFullLastPageHasNoNext) {
  JsonDoc page = Page("page_size=5");
  EXPECT_EQ(page.Size("/items"), 5u);
  EXPECT_FALSE(page.Bool("/has_next"));
}

TEST_F(ApiPagingTest, DefaultPageSizeIs100) {
  JsonDoc page = Page("");
  EXPECT_EQ(page.Int("/page"), 1);
  EXPECT_EQ(page.Int("/page_size"), 100);
}

TEST_F(ApiPagingTest, PageSize1000IsAccepted) {
  JsonDoc page = Page("page_size=1000");
  EXPECT_EQ(page.Int("/page_size"), 1000);
  EXPECT_EQ(page.Size("/items"), 5u);
}

TEST_F(ApiPagingTest, PageSize1001IsRefusedNamingPageSize) {
  TestResponse r = Get(std::string(kMeters) + "?page_size=1001");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("page_size:out_of_range"));
  EXPECT_EQ(Get("/health/live").status, 200) << "the server must survive a refused listing";
}

TEST_F(ApiPagingTest, HugePageNumberIsEmptyAndHasNoNext) {
  // page * page_size does not fit in 64 bits: the answer must still be "past
  // the end" (or a refusal), never the first page again or has_next forever.
  for (std::string params :
       {"page=9223372036854775807&page_size=1000", "page=4611686018427387904&page_size=2"}) {
    TestResponse r = Get(std::string(kMeters) + "?city=Pagingen&" + params);
    if (r.status == 422) {
      EXPECT_TRUE(IsApiError(r, 422, "validation_failed")) << params;
      continue;
    }
    ASSERT_EQ(r.status, 200) << params << ": " << r.body;
    JsonDoc page(r.body);
    EXPECT_THAT(page.Strings("/items", "id"), ::testing::IsEmpty()) << params;
    EXPECT_FALSE(page.Bool("/has_next")) << params;
    EXPECT_EQ(page.Int("/total_count"), 5) << params;
  }
}

TEST_F(ApiPagingTest, PageZeroIsRefusedNamingPage) {
  TestResponse r = Get(std::string(kMeters) + "?page=0");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("page:out_of_range"));
}

TEST_F(ApiPagingTest, UnknownQueryParameterIsRefusedNotIgnored) {
  TestResponse r = Get(std::string(kMeters) + "?stauts=ACTIVE");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("stauts:unknown_parameter"));
}

TEST_F(ApiPagingTest, FilterWithUnknownEnumValueIsRefused) {
  TestResponse r = Get(std::string(kOperators) + "?type=GENCO");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("type:invalid_choice"));
}

TEST_F(ApiPagingTest, EveryRefusedParameterIsReported) {
  TestResponse r = Get(std::string(kMeters) + "?page=-1&page_size=x&colour=red");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("page:out_of_range", "page_size:out_of_range",
                                           "colour:unknown_parameter"));
}

}  // namespace
}  // namespace metrify::test
