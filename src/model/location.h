// Location fields shared by meters, grid operators and weather stations:
// coordinates (WGS 84), street address, postal code and city.
#pragma once

#include <cmath>
#include <vector>

#include "model/field_builders.h"

namespace metrify::model {

// Appends latitude, longitude, address, postal_code and city to `fields`.
// With `coordinates_required`, latitude and longitude must be given.
template <typename T>
void AppendLocationFields(std::vector<FieldSpec<T>>& fields, bool coordinates_required = false) {
  auto lat = NumberField<T>(
      "latitude", [](auto& e) -> auto& { return e.latitude; }, -90, 90);
  auto lon = NumberField<T>(
      "longitude", [](auto& e) -> auto& { return e.longitude; }, -180, 180);
  lat.required = lon.required = coordinates_required;
  fields.push_back(lat.Describe("WGS 84 latitude in degrees"));
  fields.push_back(lon.Describe("WGS 84 longitude in degrees"));
  fields.push_back(TextField<T>(
      "address", [](auto& e) -> auto& { return e.address; }));
  fields.push_back(TextField<T>(
      "postal_code", [](auto& e) -> auto& { return e.postal_code; }));
  fields.push_back(TextField<T>(
                       "city", [](auto& e) -> auto& { return e.city; })
                       .Filter("city"));
}

// Latitude and longitude come as a pair: one without the other is an error.
template <typename T>
std::vector<FieldError> ValidateLocation(const T& entity) {
  std::vector<FieldError> errors;
  if (entity.latitude.has_value() != entity.longitude.has_value()) {
    const char* missing = entity.latitude ? "longitude" : "latitude";
    errors.push_back({missing, "required", "latitude and longitude must be given together"});
  }
  return errors;
}

// Great-circle distance in kilometres between two WGS 84 points.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace metrify::model
