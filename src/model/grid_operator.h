// GridOperator: a transmission or distribution system operator whose grid
// status Metrify records and to whose area meters belong (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/enums.h"
#include "model/field.h"

namespace metrify::model {

struct GridOperator {
  std::string id;  // e.g. "TENNET"
  std::string name;
  GridOperatorType type = GridOperatorType::kTso;
  std::string control_area;  // e.g. "TenneT DE"
  std::optional<double> capacity_mw;
  std::optional<double> voltage_level_kv;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string address;
  std::string postal_code;
  std::string city;
  std::string country = "DE";
  SourceStatus status = SourceStatus::kActive;
  std::string metadata = "{}";
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

const std::vector<FieldSpec<GridOperator>>& GridOperatorFields();
std::vector<FieldError> ValidateGridOperator(const GridOperator& op);

}  // namespace metrify::model
