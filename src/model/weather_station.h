// WeatherStation: a source of weather observations (a DWD site, for
// example). Meters are linked to their nearest station (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/enums.h"
#include "model/field.h"

namespace metrify::model {

struct WeatherStation {
  std::string id;  // e.g. "WS007" or a DWD station number
  std::string name;
  std::string provider = "DWD";
  StationType type = StationType::kSynoptic;
  std::optional<double> latitude;   // required
  std::optional<double> longitude;  // required
  std::optional<double> elevation_m;
  std::string address;
  std::string postal_code;
  std::string city;
  SourceStatus status = SourceStatus::kActive;
  std::string metadata = "{}";
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

const std::vector<FieldSpec<WeatherStation>>& WeatherStationFields();
std::vector<FieldError> ValidateWeatherStation(const WeatherStation& station);

}  // namespace metrify::model
