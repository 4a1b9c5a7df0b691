// Meter: one metering point of the fleet (DESIGN.md §3). The registry stores
// it; readings refer to it by id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/enums.h"
#include "model/field.h"

namespace metrify::model {

struct Meter {
  std::string id;  // user-given, e.g. "SM000123"
  MeterType type = MeterType::kElectricity;
  MeterStatus status = MeterStatus::kPending;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string address;
  std::string postal_code;
  std::string city;
  std::string grid_operator_id;    // "" = not assigned
  std::string weather_station_id;  // "" = nearest station, assigned on create
  std::string manufacturer;
  std::string model;
  std::string firmware;
  std::string serial;
  std::string installation_date;  // "YYYY-MM-DD" or ""
  CustomerSegment segment = CustomerSegment::kResidential;
  Tariff tariff = Tariff::kStandard;
  std::string load_profile;  // BDEW standard load profile, e.g. "H0", "G25"; "" = by segment
  std::string timezone = "Europe/Berlin";
  double register_multiplier = 1.0;       // register units to kWh (transformer ratio)
  int register_digits = 6;                // digits on the register display; rollover point
  int register_decimals = 1;              // of which after the decimal point: 6/1 rolls at 99999.9
  std::optional<double> rated_current_a;  // meter rating; bounds plausible current
  std::optional<double> annual_consumption_kwh;  // declared yearly energy, scales load profiles
  std::string metadata = "{}";                   // JSON object for anything else
  int64_t created_at = 0;                        // epoch ms, set by the registry
  int64_t updated_at = 0;
};

// Every field of a meter, in wire order.
const std::vector<FieldSpec<Meter>>& MeterFields();

// Standard load profiles a meter may name (BDEW 1999 and 2025 families).
const std::vector<std::string>& KnownLoadProfiles();

// Checks that involve more than one field (latitude without longitude, ...).
std::vector<FieldError> ValidateMeter(const Meter& meter);

}  // namespace metrify::model
