// References between registry entities: a meter's nearest weather station
// is filled in on create, references must exist, and a grid operator cannot
// be deleted while meters still refer to it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/api_fixture.h"

namespace metrify::test {
namespace {

using ::testing::ElementsAre;

using ApiReferenceTest = ServerTest;

TEST_F(ApiReferenceTest, MeterWithLocationGetsTheNearestActiveStation) {
  ASSERT_EQ(
      Post(kStations, R"({"id":"WS-NEAR","name":"near","latitude":10.0,"longitude":10.0})").status,
      201);
  ASSERT_EQ(
      Post(kStations, R"({"id":"WS-FAR","name":"far","latitude":10.5,"longitude":10.5})").status,
      201);
  // Closest of all, but inactive stations are never chosen.
  ASSERT_EQ(
      Post(kStations,
           R"({"id":"WS-OFF","name":"off","latitude":10.1,"longitude":10.1,"status":"INACTIVE"})")
          .status,
      201);
  TestResponse r = Post(kMeters, R"({"id":"NEAR-1","latitude":10.1,"longitude":10.1})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JsonDoc(r.body).String("/weather_station_id"), "WS-NEAR");
  EXPECT_EQ(JsonDoc(Get(ItemPath(kMeters, "NEAR-1")).body).String("/weather_station_id"),
            "WS-NEAR");

  TestResponse farther = Post(kMeters, R"({"id":"NEAR-2","latitude":10.45,"longitude":10.45})");
  ASSERT_EQ(farther.status, 201) << farther.body;
  EXPECT_EQ(JsonDoc(farther.body).String("/weather_station_id"), "WS-FAR");
}

TEST_F(ApiReferenceTest, MeterKeepsAnExplicitlyGivenStation) {
  ASSERT_EQ(
      Post(kStations, R"({"id":"WS-GIVEN","name":"given","latitude":-20,"longitude":-20})").status,
      201);
  ASSERT_EQ(
      Post(kStations, R"({"id":"WS-CLOSE","name":"close","latitude":-30,"longitude":-30})").status,
      201);
  TestResponse r =
      Post(kMeters,
           R"({"id":"GIVEN-1","latitude":-30,"longitude":-30,"weather_station_id":"WS-GIVEN"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JsonDoc(r.body).String("/weather_station_id"), "WS-GIVEN");
}

TEST_F(ApiReferenceTest, UnknownGridOperatorIsRefusedNamingTheField) {
  TestResponse r = Post(kMeters, R"({"id":"REF-1","grid_operator_id":"NO-SUCH-OP"})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("grid_operator_id:unknown_reference"));
  EXPECT_TRUE(IsApiError(Get(ItemPath(kMeters, "REF-1")), 404, "not_found"));
}

TEST_F(ApiReferenceTest, UnknownWeatherStationIsRefusedNamingTheField) {
  TestResponse r = Post(kMeters, R"({"id":"REF-2","weather_station_id":"NO-SUCH-WS"})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("weather_station_id:unknown_reference"));
}

TEST_F(ApiReferenceTest, PatchToUnknownOperatorIsRefused) {
  ASSERT_EQ(Post(kMeters, R"({"id":"REF-3"})").status, 201);
  TestResponse r = Patch(ItemPath(kMeters, "REF-3"), R"({"grid_operator_id":"NO-SUCH-OP"})");
  EXPECT_TRUE(IsApiError(r, 422, "validation_failed"));
  EXPECT_THAT(ErrorDetails(r), ElementsAre("grid_operator_id:unknown_reference"));
}

TEST_F(ApiReferenceTest, DeletingAnOperatorStillReferencedAnswers409) {
  ASSERT_EQ(Post(kOperators, R"({"id":"OP-REF","name":"Referenced"})").status, 201);
  ASSERT_EQ(Post(kMeters, R"({"id":"REF-4","grid_operator_id":"OP-REF"})").status, 201);
  EXPECT_TRUE(IsApiError(Delete(ItemPath(kOperators, "OP-REF")), 409, "conflict"));
  EXPECT_EQ(Get(ItemPath(kOperators, "OP-REF")).status, 200);
  EXPECT_EQ(JsonDoc(Get(ItemPath(kMeters, "REF-4")).body).String("/grid_operator_id"), "OP-REF");

  // Once no meter refers to it, it can go.
  ASSERT_EQ(Patch(ItemPath(kMeters, "REF-4"), R"({"grid_operator_id":null})").status, 200);
  EXPECT_EQ(Delete(ItemPath(kOperators, "OP-REF")).status, 204);
}

TEST_F(ApiReferenceTest, DeletingAStationStillReferencedAnswers409) {
  ASSERT_EQ(
      Post(kStations, R"({"id":"WS-REF","name":"ref","latitude":-45,"longitude":100})").status,
      201);
  ASSERT_EQ(Post(kMeters, R"({"id":"REF-5","weather_station_id":"WS-REF"})").status, 201);
  EXPECT_TRUE(IsApiError(Delete(ItemPath(kStations, "WS-REF")), 409, "conflict"));
  ASSERT_EQ(Delete(ItemPath(kMeters, "REF-5")).status, 204);
  EXPECT_EQ(Delete(ItemPath(kStations, "WS-REF")).status, 204);
}

}  // namespace
}  // namespace metrify::test
