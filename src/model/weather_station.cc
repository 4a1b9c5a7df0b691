#include "model/weather_station.h"

#include "model/location.h"

namespace metrify::model {

namespace {

std::vector<FieldSpec<WeatherStation>> BuildWeatherStationFields() {
  using W = WeatherStation;
  std::vector<FieldSpec<W>> f;
  f.push_back(IdField<W>(
                  "id", [](auto& w) -> auto& { return w.id; })
                  .Describe("Station id, e.g. WS007"));
  f.push_back(NameField<W>(
      "name", [](auto& w) -> auto& { return w.name; }));
  f.push_back(
      CheckedTextField<W>(
          "provider", FieldKind::kText, [](auto& w) -> auto& { return w.provider; },
          [](const std::string& field, std::string_view text) -> std::optional<FieldError> {
            if (!Trim(text).empty() && Utf8Length(text) <= 64) return std::nullopt;
            return FieldError{field, "invalid_value", field + " must be 1-64 characters, e.g. DWD"};
          },
          "DWD")
          .Filter("provider"));
  f.push_back(EnumField<W>(
                  "type", [](auto& w) -> auto& { return w.type; }, StationType::kSynoptic)
                  .Filter("type"));
  AppendLocationFields<W>(f, /*coordinates_required=*/true);
  f.push_back(NumberField<W>(
                  "elevation_m", [](auto& w) -> auto& { return w.elevation_m; }, -500, 9000)
                  .Describe("Height above sea level in metres"));
  f.push_back(EnumField<W>(
                  "status", [](auto& w) -> auto& { return w.status; }, SourceStatus::kActive)
                  .Filter("status"));
  f.push_back(ObjectField<W>(
      "metadata", [](auto& w) -> auto& { return w.metadata; }));
  f.push_back(TimestampField<W>(
      "created_at", [](auto& w) -> auto& { return w.created_at; }));
  f.push_back(TimestampField<W>(
      "updated_at", [](auto& w) -> auto& { return w.updated_at; }));
  return f;
}

}  // namespace

const std::vector<FieldSpec<WeatherStation>>& WeatherStationFields() {
  static const std::vector<FieldSpec<WeatherStation>> kFields = BuildWeatherStationFields();
  return kFields;
}

std::vector<FieldError> ValidateWeatherStation(const WeatherStation& station) {
  std::vector<FieldError> errors = ValidateLocation(station);
  if (!station.latitude && !station.longitude) {
    errors.push_back({"latitude", "required", "a weather station needs latitude and longitude"});
  }
  return errors;
}

}  // namespace metrify::model
