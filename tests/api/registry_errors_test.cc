// Every error status of the API from a real server, each in the one error
// shape {"error":{"code","message","details":[...]}}: 400, 404, 405, 409,
// 413 and 422 (table-driven below, one case per kind of bad value).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kBodyLimit = 2048;

class ApiErrorTest : public ServerTest {
 public:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.env = {{"METRIFY_SERVER_MAX_BODY_BYTES", std::to_string(kBodyLimit)}};
    StartServer(options);
  }
};

TEST_F(ApiErrorTest, MalformedJsonAnswers400InvalidJson) {
  TestResponse r = Post(kMeters, R"({"id":"BAD-JSON",)");
  EXPECT_TRUE(IsApiError(r, 400, "invalid_json"));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "BAD-JSON")), 404, "not_found"));
}

TEST_F(ApiErrorTest, MalformedJsonOnPatchAnswers400InvalidJson) {
  ASSERT_EQ(Post(kMeters, R"({"id":"BAD-JSON-2"})").status, 201);
  EXPECT_TRUE(IsApiError(Patch(ItemPath(kMeters, "BAD-JSON-2"), "{'status': 'ACTIVE'}"), 400,
                         "invalid_json"));
}

TEST_F(ApiErrorTest, JsonThatIsNotAnObjectAnswers422) {
  EXPECT_TRUE(IsApiError(Post(kMeters, R"([{"id":"ARRAY"}])"), 422, "validation_failed"));
  EXPECT_TRUE(IsApiError(Post(kMeters, R"("SM1")"), 422, "validation_failed"));
}

TEST_F(ApiErrorTest, MalformedHttpAnswers400BadRequest) {
  std::string raw = RawExchange(server().port(), "THIS IS NOT HTTP\r\n\r\n");
  ASSERT_THAT(raw, ::testing::StartsWith("HTTP/1.1 400"));
  size_t body_start = raw.find("\r\n\r\n");
  ASSERT_NE(body_start, std::string::npos);
  TestResponse r;
  r.status = 400;
  r.headers["content-type"] = "application/json";
  r.body = raw.substr(body_start + 4);
  EXPECT_TRUE(IsApiError(r, 400, "bad_request"));
  EXPECT_THAT(raw, HasSubstr("X-Request-ID: "));
}

TEST_F(ApiErrorTest, UnknownIdAnswers404ForEveryMethod) {
  for (std::string_view base : {kMeters, kOperators, kStations}) {
    std::string path = ItemPath(base, "NO-SUCH-ID");
    EXPECT_TRUE(IsApiError(Get(path), 404, "not_found")) << path;
    EXPECT_TRUE(IsApiError(Patch(path, R"({"city":"x"})"), 404, "not_found")) << path;
    EXPECT_TRUE(
        IsApiError(Put(path, R"({"name":"x","latitude":1,"longitude":1})"), 404, "not_found"))
        << path;
    EXPECT_TRUE(IsApiError(Delete(path), 404, "not_found")) << path;
  }
}

TEST_F(ApiErrorTest, NotFoundMessageNamesTheId) {
  TestResponse r = Get(ItemPath(kMeters, "SM-MISSING-7"));
  EXPECT_TRUE(IsApiError(r, 404, "not_found"));
  EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr("SM-MISSING-7"));
}

TEST_F(ApiErrorTest, UnknownPathAnswers404) {
  EXPECT_TRUE(IsApiError(Get("/api/v1/smart-meterz"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Get("/api/v2/smart-meters"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Get(std::string(kMeters) + "/a/b"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Post("/nowhere", "{}"), 404, "not_found"));
}

TEST_F(ApiErrorTest, WrongMethodAnswers405WithAllowHeader) {
  TestResponse r = Delete(kMeters);
  EXPECT_TRUE(IsApiError(r, 405, "method_not_allowed"));
  EXPECT_EQ(r.Header("Allow"), "POST, GET");

  TestResponse item = Post(ItemPath(kMeters, "ANY"), "{}");
  EXPECT_TRUE(IsApiError(item, 405, "method_not_allowed"));
  EXPECT_EQ(item.Header("Allow"), "GET, PUT, PATCH, DELETE");

  TestResponse health = Patch("/health", "{}");
  EXPECT_TRUE(IsApiError(health, 405, "method_not_allowed"));
  EXPECT_EQ(health.Header("Allow"), "GET");
}

TEST_F(ApiErrorTest, DuplicateIdAnswers409AlreadyExists) {
  ASSERT_EQ(Post(kOperators, R"({"id":"OP-DUP","name":"first"})").status, 201);
  TestResponse r = Post(kOperators, R"({"id":"OP-DUP","name":"second"})");
  EXPECT_TRUE(IsApiError(r, 409, "already_exists"));
  EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr("OP-DUP"));
  EXPECT_EQ(JsonDoc(Get(ItemPath(kOperators, "OP-DUP")).body).String("/name"), "first");
}

TEST_F(ApiErrorTest, IdsAreCaseSensitive) {
  ASSERT_EQ(Post(kMeters, R"({"id":"case-1"})").status, 201);
  EXPECT_EQ(Post(kMeters, R"({"id":"CASE-1"})").status, 201);
}

TEST_F(ApiErrorTest, BodyOverTheLimitAnswers413) {
  std::string body = R"({"id":"BIG-1","address":")" + std::string(kBodyLimit, 'a') + "\"}";
  TestResponse r = Post(kMeters, body);
  EXPECT_TRUE(IsApiError(r, 413, "payload_too_large"));
  EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr(std::to_string(kBodyLimit)));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "BIG-1")), 404, "not_found"));
}

TEST_F(ApiErrorTest, BodyJustUnderTheLimitIsAccepted) {
  std::string head = R"({"id":"BIG-2","address":")";
  std::string body = head + std::string(kBodyLimit - head.size() - 2, 'a') + "\"}";
  ASSERT_EQ(body.size(), kBodyLimit);
  // The address is over the 512-character field limit: refused by the API,
  // not by the transport.
  TestResponse r = Post(kMeters, body);
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("address:too_long"));
}

TEST_F(ApiErrorTest, CsvImportOverTheLimitAnswers413) {
  std::string csv = "id,address\n";
  for (int i = 0; csv.size() <= kBodyLimit; ++i)
    csv += "BIGCSV" + std::to_string(i) + ",Somewhere street 1\n";
  EXPECT_TRUE(IsApiError(Post(std::string(kMeters) + "/import", csv, "text/csv"), 413,
                         "payload_too_large"));
}

TEST_F(ApiErrorTest, ServerKeepsServingAfter413) {
  std::string body(kBodyLimit * 4, ' ');
  EXPECT_EQ(Post(kMeters, body).status, 413);
  EXPECT_EQ(Get("/health/live").status, 200);
}

// One bad value per case; the 422 must name the field and its problem, and
// nothing may be stored.
struct InvalidCase {
  std::string name;
  std::string_view base;
  std::string body;
  std::string id;              // must not exist afterwards
  std::string field_and_code;  // "field:code" expected among the details
};

// Names the case in test listings (ctest shows the parameter).
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class ApiInvalidValueTest : public ApiErrorTest,
                            public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(ApiInvalidValueTest, Answers422NamingTheFieldAndStoresNothing) {
  const InvalidCase& c = GetParam();
  TestResponse r = Post(c.base, c.body);
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), Contains(c.field_and_code));
  if (ErrorDetails(r).size() == 1) {  // with several, the message counts them
    std::string field = c.field_and_code.substr(0, c.field_and_code.find(':'));
    EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr(field));
  }
  EXPECT_TRUE(IsApiError(Get(ItemPath(c.base, c.id)), 404, "not_found"));
}

INSTANTIATE_TEST_SUITE_P(
    BadValues, ApiInvalidValueTest,
    ::testing::Values(
        InvalidCase{"UnknownMeterStatus", kMeters, R"({"id":"V1","status":"BROKEN"})", "V1",
                    "status:invalid_choice"},
        InvalidCase{"UnknownMeterType", kMeters, R"({"id":"V2","type":"steam"})", "V2",
                    "type:invalid_choice"},
        InvalidCase{"LatitudeOutOfRange", kMeters,
                    R"({"id":"V3","latitude":90.5,"longitude":13.4})", "V3",
                    "latitude:out_of_range"},
        InvalidCase{"LongitudeOutOfRange", kMeters,
                    R"({"id":"V4","latitude":52.5,"longitude":-180.01})", "V4",
                    "longitude:out_of_range"},
        InvalidCase{"LatitudeWithoutLongitude", kMeters, R"({"id":"V5","latitude":52.5})", "V5",
                    "longitude:required"},
        InvalidCase{"UnknownField", kMeters, R"({"id":"V6","colour":"red"})", "V6",
                    "colour:unknown_field"},
        InvalidCase{"NumberAsString", kMeters, R"({"id":"V7","register_digits":"six"})", "V7",
                    "register_digits:wrong_type"},
        InvalidCase{"StringAsNumber", kMeters, R"({"id":"V8","manufacturer":42})", "V8",
                    "manufacturer:wrong_type"},
        InvalidCase{"FractionalInteger", kMeters, R"({"id":"V9","register_digits":6.5})", "V9",
                    "register_digits:wrong_type"},
        InvalidCase{"IntegerOutOfRange", kMeters, R"({"id":"V10","register_digits":13})", "V10",
                    "register_digits:out_of_range"},
        InvalidCase{"DecimalsNotBelowDigits", kMeters,
                    R"({"id":"V11","register_digits":4,"register_decimals":4})", "V11",
                    "register_decimals:out_of_range"},
        InvalidCase{"BadTimeZone", kMeters, R"({"id":"V12","timezone":"Europe/Atlantis"})", "V12",
                    "timezone:invalid_time_zone"},
        InvalidCase{"BadDate", kMeters, R"({"id":"V13","installation_date":"2021-02-30"})", "V13",
                    "installation_date:invalid_date"},
        InvalidCase{"DateInOtherFormat", kMeters,
                    R"({"id":"V14","installation_date":"04.03.2021"})", "V14",
                    "installation_date:invalid_date"},
        InvalidCase{"UnknownGridOperatorReference", kMeters,
                    R"({"id":"V15","grid_operator_id":"NO-SUCH-OP"})", "V15",
                    "grid_operator_id:unknown_reference"},
        InvalidCase{"UnknownLoadProfile", kMeters, R"({"id":"V16","load_profile":"X9"})", "V16",
                    "load_profile:invalid_choice"},
        InvalidCase{"MetadataNotAnObject", kMeters, R"({"id":"V17","metadata":[1,2]})", "V17",
                    "metadata:wrong_type"},
        InvalidCase{"IdWithSpaces", kMeters, R"({"id":"bad id"})", "bad%20id", "id:invalid_id"},
        InvalidCase{"MissingMeterId", kMeters, R"({"status":"ACTIVE"})", "NONE", "id:required"},
        InvalidCase{"TextOverTheLimit", kMeters,
                    R"({"id":"V18","serial":")" + std::string(513, 'x') + "\"}", "V18",
                    "serial:too_long"},
        InvalidCase{"OperatorWithoutName", kOperators, R"({"id":"OPV1","type":"TSO"})", "OPV1",
                    "name:required"},
        InvalidCase{"OperatorWithEmptyName", kOperators, R"({"id":"OPV2","name":"  "})", "OPV2",
                    "name:required"},
        InvalidCase{"UnknownOperatorType", kOperators, R"({"id":"OPV3","name":"n","type":"GENCO"})",
                    "OPV3", "type:invalid_choice"},
        InvalidCase{"BadCountryCode", kOperators, R"({"id":"OPV4","name":"n","country":"Germany"})",
                    "OPV4", "country:invalid_country"},
        InvalidCase{"StationWithoutCoordinates", kStations, R"({"id":"WSV1","name":"n"})", "WSV1",
                    "latitude:required"},
        InvalidCase{"ElevationOutOfRange", kStations,
                    R"({"id":"WSV2","name":"n","latitude":1,"longitude":1,"elevation_m":9001})",
                    "WSV2", "elevation_m:out_of_range"},
        InvalidCase{"UnknownStationType", kStations,
                    R"({"id":"WSV3","name":"n","latitude":1,"longitude":1,"type":"radar"})", "WSV3",
                    "type:invalid_choice"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ApiErrorTest, EveryBadFieldIsReportedAtOnce) {
  TestResponse r = Post(
      kMeters,
      R"({"id":"MULTI","status":"x","latitude":95,"longitude":0,"colour":"red","timezone":"Mars/Base"})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ::testing::UnorderedElementsAre(
                                   "status:invalid_choice", "latitude:out_of_range",
                                   "colour:unknown_field", "timezone:invalid_time_zone"));
  EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr("4 fields"));
}

TEST_F(ApiErrorTest, ServerManagedFieldsAreIgnoredNotRefused) {
  TestResponse r = Post(kMeters, R"({"id":"MANAGED","created_at":"1999-01-01T00:00:00.000Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(JsonDoc(r.body).String("/created_at"), ::testing::Not(::testing::StartsWith("1999")));
}

TEST_F(ApiErrorTest, ImportWithBadUpsertFlagAnswers422) {
  TestResponse r = Post(std::string(kMeters) + "/import?upsert=yes", "id\nUPS-1\n", "text/csv");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "UPS-1")), 404, "not_found"));
}

TEST_F(ApiErrorTest, ImportWithoutIdColumnAnswers422) {
  TestResponse r =
      Post(std::string(kMeters) + "/import", "status,city\nACTIVE,Berlin\n", "text/csv");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(JsonDoc(r.body).String("/error/message"), HasSubstr("id"));
}

}  // namespace
}  // namespace metrify::test
