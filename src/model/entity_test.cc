#include "model/entity.h"

#include <gtest/gtest.h>

#include "model/location.h"

namespace metrify::model {
namespace {

bool HasError(const std::vector<FieldError>& errors, const std::string& field,
              const std::string& code) {
  for (const FieldError& e : errors) {
    if (e.field == field && e.code == code) return true;
  }
  return false;
}

TEST(MeterFields, CreateAppliesValuesAndCanonicalisesEnums) {
  Meter m;
  auto errors = ApplyValues(m,
                            {{"id", std::string("SM000123")},
                             {"status", std::string("active")},
                             {"type", std::string("GAS")},
                             {"latitude", 52.52},
                             {"longitude", int64_t{13}},
                             {"register_digits", int64_t{8}}},
                            ApplyMode::kCreate);
  ASSERT_TRUE(errors.empty()) << errors.front().message;
  EXPECT_EQ(m.id, "SM000123");
  EXPECT_EQ(m.status, MeterStatus::kActive);
  EXPECT_EQ(m.type, MeterType::kGas);
  EXPECT_EQ(m.longitude, 13.0);
  EXPECT_EQ(m.register_digits, 8);
  EXPECT_EQ(std::get<std::string>(FindField<Meter>("status")->get(m)), "ACTIVE");
}

TEST(MeterFields, EveryProblemIsReportedNamingItsField) {
  Meter m;
  auto errors = ApplyValues(m,
                            {{"id", std::string("SM 1")},
                             {"status", std::string("BROKEN")},
                             {"latitude", 91.0},
                             {"longitude", std::string("east")},
                             {"installation_date", std::string("2026-02-30")},
                             {"timezone", std::string("Mars/Olympus")},
                             {"load_profile", std::string("X9")},
                             {"colour", std::string("red")}},
                            ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "id", "invalid_id"));
  EXPECT_TRUE(HasError(errors, "status", "invalid_choice"));
  EXPECT_TRUE(HasError(errors, "latitude", "out_of_range"));
  EXPECT_TRUE(HasError(errors, "longitude", "wrong_type"));
  EXPECT_TRUE(HasError(errors, "installation_date", "invalid_date"));
  EXPECT_TRUE(HasError(errors, "timezone", "invalid_time_zone"));
  EXPECT_TRUE(HasError(errors, "load_profile", "invalid_choice"));
  EXPECT_TRUE(HasError(errors, "colour", "unknown_field"));
}

TEST(MeterFields, MissingIdOnCreateIsRequired) {
  Meter m;
  auto errors = ApplyValues(m, {{"city", std::string("Berlin")}}, ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "id", "required"));
}

TEST(MeterFields, LatitudeWithoutLongitudeIsRefused) {
  Meter m;
  auto errors =
      ApplyValues(m, {{"id", std::string("SM1")}, {"latitude", 52.0}}, ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "longitude", "required"));
}

TEST(MeterFields, RegisterDecimalsMustBeFewerThanDigits) {
  Meter m;
  auto errors = ApplyValues(m,
                            {{"id", std::string("SM1")},
                             {"register_digits", int64_t{4}},
                             {"register_decimals", int64_t{4}}},
                            ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "register_decimals", "out_of_range"));
}

TEST(MeterFields, PatchCannotChangeTheId) {
  Meter m;
  m.id = "SM1";
  auto errors = ApplyValues(m, {{"id", std::string("SM2")}}, ApplyMode::kPatch);
  EXPECT_TRUE(HasError(errors, "id", "immutable"));
}

TEST(MeterFields, ServerManagedFieldsAreIgnoredOnInput) {
  Meter m;
  auto errors = ApplyValues(
      m, {{"id", std::string("SM1")}, {"created_at", std::string("2020-01-01T00:00:00Z")}},
      ApplyMode::kCreate);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(m.created_at, 0);
}

TEST(MeterFields, NullRestoresDefaults) {
  Meter m;
  m.timezone = "Europe/Paris";
  m.register_multiplier = 40;
  m.latitude = 1;
  m.longitude = 2;
  auto errors = ApplyValues(m,
                            {{"timezone", std::monostate()},
                             {"register_multiplier", std::monostate()},
                             {"latitude", std::monostate()},
                             {"longitude", std::monostate()}},
                            ApplyMode::kPatch);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(m.timezone, "Europe/Berlin");
  EXPECT_EQ(m.register_multiplier, 1.0);
  EXPECT_FALSE(m.latitude.has_value());
}

TEST(MeterFields, MetadataMustBeAnObject) {
  Meter m;
  auto errors = ApplyValues(m, {{"metadata", JsonText{"[1,2]"}}}, ApplyMode::kPatch);
  EXPECT_TRUE(HasError(errors, "metadata", "wrong_type"));
  errors = ApplyValues(m, {{"metadata", JsonText{R"({"tier":"A"})"}}}, ApplyMode::kPatch);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(m.metadata, R"({"tier":"A"})");
}

TEST(GridOperatorFields, NameAndIdAreRequiredAndNameMayNotBeBlank) {
  GridOperator g;
  auto errors = ApplyValues(g, {{"name", std::string("  ")}}, ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "id", "required"));
  EXPECT_TRUE(HasError(errors, "name", "required"));
  int name_errors = 0;
  for (const auto& e : errors) name_errors += e.field == "name";
  EXPECT_EQ(name_errors, 1) << "one problem is reported once";
}

TEST(GridOperatorFields, TypeAndCountryAreChecked) {
  GridOperator g;
  auto errors = ApplyValues(g,
                            {{"id", std::string("TENNET")},
                             {"name", std::string("TenneT")},
                             {"type", std::string("GENCO")},
                             {"country", std::string("Germany")}},
                            ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "type", "invalid_choice"));
  EXPECT_TRUE(HasError(errors, "country", "invalid_country"));
}

TEST(WeatherStationFields, CoordinatesAreRequired) {
  WeatherStation w;
  auto errors = ApplyValues(w, {{"id", std::string("WS1")}, {"name", std::string("Potsdam")}},
                            ApplyMode::kCreate);
  EXPECT_TRUE(HasError(errors, "latitude", "required"));
  EXPECT_TRUE(HasError(errors, "longitude", "required"));
}

TEST(FieldText, CsvCellsBecomeTypedValues) {
  auto number = ParseFieldText("latitude", FieldKind::kNumber, " 52.5 ");
  EXPECT_EQ(std::get<double>(std::get<FieldValue>(number)), 52.5);
  auto empty = ParseFieldText("latitude", FieldKind::kNumber, "");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(std::get<FieldValue>(empty)));
  auto bad = ParseFieldText("latitude", FieldKind::kNumber, "52,5");
  EXPECT_EQ(std::get<FieldError>(bad).field, "latitude");
  auto whole = ParseFieldText("register_digits", FieldKind::kInteger, "6.5");
  EXPECT_EQ(std::get<FieldError>(whole).code, "wrong_type");
}

TEST(Location, DistanceBetweenBerlinAndMunichIsAbout504Km) {
  EXPECT_NEAR(DistanceKm(52.5200, 13.4050, 48.1351, 11.5820), 504, 3);
}

}  // namespace
}  // namespace metrify::model
