// Create, read, replace, patch and delete for all three registry resources
// (smart meters, grid operators, weather stations), driven through the real
// server. The same lifecycle runs for each resource from the table below.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;

struct ResourceCase {
  std::string name;
  std::string_view base;
  // A valid create body without its id: `"id":"..."` is prepended.
  std::string minimal_fields;
  // A PATCH body changing one field, the field, and its value afterwards.
  std::string patch_body;
  std::string patched_field;
  std::string patched_value;
};

// Names the case in test listings (ctest shows the parameter).
void PrintTo(const ResourceCase& c, std::ostream* os) { *os << c.name; }

std::string WithId(std::string_view id, std::string_view fields) {
  std::string body = "{\"id\":\"" + std::string(id) + "\"";
  if (!fields.empty()) body += "," + std::string(fields);
  return body + "}";
}

class ApiLifecycleTest : public ServerTest, public ::testing::WithParamInterface<ResourceCase> {
 protected:
  std::string Id(std::string_view suffix) const {
    return GetParam().name + "-" + std::string(suffix);
  }
  TestResponse CreateMinimal(std::string_view id) {
    return Post(GetParam().base, WithId(id, GetParam().minimal_fields));
  }
};

TEST_P(ApiLifecycleTest, CreateAnswers201WithLocationOfTheNewEntity) {
  std::string id = Id("create");
  TestResponse r = CreateMinimal(id);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("Location"), ItemPath(GetParam().base, id));
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.String("/id"), id);
  EXPECT_THAT(doc.String("/created_at"),
              ::testing::MatchesRegex(
                  R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)"));
  EXPECT_EQ(doc.String("/created_at"), doc.String("/updated_at"));
  EXPECT_EQ(doc.Raw("/metadata"), "{}");
}

TEST_P(ApiLifecycleTest, GetReturnsExactlyWhatCreateReturned) {
  TestResponse created = CreateMinimal(Id("get"));
  ASSERT_EQ(created.status, 201) << created.body;
  TestResponse got = Get(created.Header("Location"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, created.body);
}

TEST_P(ApiLifecycleTest, ListedEntityAppearsInItsListing) {
  std::string id = Id("listed");
  ASSERT_EQ(CreateMinimal(id).status, 201);
  JsonDoc page(Get(std::string(GetParam().base) + "?page_size=1000").body);
  EXPECT_THAT(page.Strings("/items", "id"), ::testing::Contains(id));
}

TEST_P(ApiLifecycleTest, PatchChangesOnlyTheGivenField) {
  std::string id = Id("patch");
  TestResponse created = CreateMinimal(id);
  ASSERT_EQ(created.status, 201) << created.body;
  TestResponse patched = Patch(ItemPath(GetParam().base, id), GetParam().patch_body);
  ASSERT_EQ(patched.status, 200) << patched.body;
  JsonDoc before(created.body), after(patched.body);
  EXPECT_EQ(after.Raw("/" + GetParam().patched_field), GetParam().patched_value);
  // Every other field except updated_at is unchanged.
  simdjson::dom::object fields;
  ASSERT_FALSE(before.root().get_object().get(fields));
  for (auto [key, value] : fields) {
    std::string name(key);
    if (name == GetParam().patched_field || name == "updated_at") continue;
    EXPECT_EQ(after.Raw("/" + name), before.Raw("/" + name)) << "field " << name;
  }
  EXPECT_EQ(Get(ItemPath(GetParam().base, id)).body, patched.body);
}

TEST_P(ApiLifecycleTest, DeleteAnswers204ThenTheEntityIsGone) {
  std::string id = Id("delete");
  ASSERT_EQ(CreateMinimal(id).status, 201);
  TestResponse deleted = Delete(ItemPath(GetParam().base, id));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_TRUE(IsApiError(Get(ItemPath(GetParam().base, id)), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Delete(ItemPath(GetParam().base, id)), 404, "not_found"));
}

TEST_P(ApiLifecycleTest, DuplicateIdAnswers409AndKeepsTheFirst) {
  std::string id = Id("dup");
  TestResponse first = CreateMinimal(id);
  ASSERT_EQ(first.status, 201);
  EXPECT_TRUE(IsApiError(CreateMinimal(id), 409, "already_exists"));
  EXPECT_EQ(Get(ItemPath(GetParam().base, id)).body, first.body);
}

INSTANTIATE_TEST_SUITE_P(
    Resources, ApiLifecycleTest,
    ::testing::Values(
        ResourceCase{"Meter", kMeters, "", R"({"status":"faulty"})", "status", R"("FAULTY")"},
        ResourceCase{"GridOperator", kOperators, R"("name":"TenneT TSO")",
                     R"({"capacity_mw":1200.5})", "capacity_mw", "1200.5"},
        ResourceCase{"WeatherStation", kStations,
                     R"("name":"Berlin-Tempelhof","latitude":52.4675,"longitude":13.4021)",
                     R"({"elevation_m":48})", "elevation_m", "48"}),
    [](const auto& info) { return info.param.name; });

// PUT and PATCH semantics in detail, on meters.
using ApiUpdateTest = ServerTest;

constexpr std::string_view kFullMeter = R"({"id":"%s","status":"ACTIVE","type":"gas",
  "manufacturer":"EMH","city":"Putzlingen","register_digits":8,"segment":"commercial",
  "timezone":"Europe/Vienna","metadata":{"floor":3}})";

std::string FullMeter(std::string_view id) {
  std::string body(kFullMeter);
  body.replace(body.find("%s"), 2, id);
  return body;
}

TEST_F(ApiUpdateTest, PutReplacesEveryFieldAndResetsUnsetOnesToDefaults) {
  TestResponse created = Post(kMeters, FullMeter("PUT-1"));
  ASSERT_EQ(created.status, 201) << created.body;
  TestResponse put = Put(ItemPath(kMeters, "PUT-1"), R"({"status":"inactive"})");
  ASSERT_EQ(put.status, 200) << put.body;
  JsonDoc doc(put.body);
  EXPECT_EQ(doc.String("/id"), "PUT-1");
  EXPECT_EQ(doc.String("/status"), "INACTIVE");
  EXPECT_EQ(doc.String("/type"), "electricity");
  EXPECT_TRUE(doc.IsNull("/manufacturer"));
  EXPECT_TRUE(doc.IsNull("/city"));
  EXPECT_EQ(doc.Int("/register_digits"), 6);
  EXPECT_EQ(doc.String("/segment"), "residential");
  EXPECT_EQ(doc.String("/timezone"), "Europe/Berlin");
  EXPECT_EQ(doc.Raw("/metadata"), "{}");
  EXPECT_EQ(doc.String("/created_at"), JsonDoc(created.body).String("/created_at"));
  EXPECT_EQ(Get(ItemPath(kMeters, "PUT-1")).body, put.body);
}

TEST_F(ApiUpdateTest, PutMayRepeatTheIdButNotChangeIt) {
  ASSERT_EQ(Post(kMeters, FullMeter("PUT-2")).status, 201);
  EXPECT_EQ(Put(ItemPath(kMeters, "PUT-2"), R"({"id":"PUT-2","status":"ACTIVE"})").status, 200);
  TestResponse changed = Put(ItemPath(kMeters, "PUT-2"), R"({"id":"PUT-OTHER"})");
  EXPECT_TRUE(IsApiError(changed, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(changed), ElementsAre("id:immutable"));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "PUT-OTHER")), 404, "not_found"));
}

TEST_F(ApiUpdateTest, PutOnUnknownIdAnswers404AndCreatesNothing) {
  EXPECT_TRUE(
      IsApiError(Put(ItemPath(kMeters, "PUT-NONE"), R"({"status":"ACTIVE"})"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "PUT-NONE")), 404, "not_found"));
}

TEST_F(ApiUpdateTest, PatchKeepsFieldsNotGiven) {
  ASSERT_EQ(Post(kMeters, FullMeter("PATCH-1")).status, 201);
  TestResponse r =
      Patch(ItemPath(kMeters, "PATCH-1"), R"({"status":"maintenance","city":"Neustadt"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.String("/status"), "MAINTENANCE");
  EXPECT_EQ(doc.String("/city"), "Neustadt");
  EXPECT_EQ(doc.String("/manufacturer"), "EMH");
  EXPECT_EQ(doc.String("/type"), "gas");
  EXPECT_EQ(doc.Int("/register_digits"), 8);
  EXPECT_EQ(doc.Raw("/metadata"), R"({"floor":3})");
}

TEST_F(ApiUpdateTest, PatchWithNullClearsATextField) {
  ASSERT_EQ(Post(kMeters, FullMeter("PATCH-2")).status, 201);
  TestResponse r = Patch(ItemPath(kMeters, "PATCH-2"), R"({"manufacturer":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JsonDoc(r.body).IsNull("/manufacturer"));
}

TEST_F(ApiUpdateTest, RejectedPatchChangesNothing) {
  TestResponse created = Post(kMeters, FullMeter("PATCH-3"));
  ASSERT_EQ(created.status, 201);
  TestResponse r = Patch(ItemPath(kMeters, "PATCH-3"), R"({"city":"Elsewhere","latitude":123})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_EQ(Get(ItemPath(kMeters, "PATCH-3")).body, created.body);
}

TEST_F(ApiUpdateTest, UpdatedAtMovesOnWriteAndCreatedAtStays) {
  TestResponse created = Post(kMeters, FullMeter("PATCH-4"));
  ASSERT_EQ(created.status, 201);
  std::string created_at = JsonDoc(created.body).String("/created_at");
  // Timestamps have millisecond resolution; patch until one lands later.
  std::string updated_at = created_at;
  for (int i = 0; i < 500 && updated_at == created_at; ++i) {
    updated_at = JsonDoc(Patch(ItemPath(kMeters, "PATCH-4"), R"({"serial":"S-1"})").body)
                     .String("/updated_at");
  }
  EXPECT_GT(updated_at, created_at);  // RFC 3339 UTC strings order like instants
  EXPECT_EQ(JsonDoc(Get(ItemPath(kMeters, "PATCH-4")).body).String("/created_at"), created_at);
}

TEST_F(ApiUpdateTest, CreateCanonicalisesEnumsAndFillsDefaults) {
  TestResponse r =
      Post(kMeters, R"({"id":"CANON-1","status":"active","type":"WATER","tariff":"Time_Of_Use"})");
  ASSERT_EQ(r.status, 201) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.String("/status"), "ACTIVE");
  EXPECT_EQ(doc.String("/type"), "water");
  EXPECT_EQ(doc.String("/tariff"), "time_of_use");
  EXPECT_EQ(doc.String("/segment"), "residential");
  EXPECT_EQ(doc.String("/timezone"), "Europe/Berlin");
  EXPECT_EQ(doc.Number("/register_multiplier"), 1.0);
  EXPECT_EQ(doc.Int("/register_digits"), 6);
  EXPECT_EQ(doc.Int("/register_decimals"), 1);
  EXPECT_TRUE(doc.IsNull("/weather_station_id"));  // no location, so no nearest station
}

// Operators and stations: PUT resets their defaults too.
TEST_F(ApiUpdateTest, PutOnOperatorResetsOptionalFields) {
  ASSERT_EQ(
      Post(kOperators,
           R"({"id":"OP-PUT","name":"Amprion","type":"TSO","capacity_mw":900,"country":"AT"})")
          .status,
      201);
  TestResponse r = Put(ItemPath(kOperators, "OP-PUT"), R"({"name":"Amprion GmbH","type":"dso"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.String("/name"), "Amprion GmbH");
  EXPECT_EQ(doc.String("/type"), "DSO");
  EXPECT_TRUE(doc.IsNull("/capacity_mw"));
  EXPECT_EQ(doc.String("/country"), "DE");
  EXPECT_EQ(doc.String("/status"), "ACTIVE");
}

TEST_F(ApiUpdateTest, PutOnOperatorWithoutNameIsRefused) {
  ASSERT_EQ(Post(kOperators, R"({"id":"OP-PUT2","name":"50Hertz"})").status, 201);
  TestResponse r = Put(ItemPath(kOperators, "OP-PUT2"), R"({"type":"TSO"})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("name:required"));
}

TEST_F(ApiUpdateTest, PutOnStationResetsProviderToDwd) {
  ASSERT_EQ(
      Post(
          kStations,
          R"({"id":"WS-PUT","name":"Zugspitze","provider":"Meteomatics","latitude":47.42,"longitude":10.98,"elevation_m":2956})")
          .status,
      201);
  TestResponse r = Put(ItemPath(kStations, "WS-PUT"),
                       R"({"name":"Zugspitze","latitude":47.42,"longitude":10.98})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.String("/provider"), "DWD");
  EXPECT_TRUE(doc.IsNull("/elevation_m"));
}

}  // namespace
}  // namespace metrify::test
