// The places of a simulated fleet: German cities with their real
// coordinates, population (how many meters they get) and transmission system
// operator; the four TSOs; and 20 DWD synoptic weather stations.
#pragma once

#include <string_view>
#include <vector>

namespace metrify::simulate {

struct City {
  std::string_view name;
  double latitude, longitude;
  int population_k;  // inhabitants, thousands: the city's share of meters
  std::string_view postal_code;
  int operator_index;  // into Operators(): the TSO whose control area holds it
};

struct OperatorSite {
  std::string_view id, name, control_area, city, postal_code;
  double latitude, longitude;  // the head office
  double capacity_mw;          // peak load of the control area
};

struct StationSite {
  std::string_view name;
  int dwd_id;  // DWD station number
  double latitude, longitude, elevation_m;
};

// TENNET, 50HERTZ, AMPRION, TRANSNETBW, in that order.
const std::vector<OperatorSite>& Operators();
const std::vector<City>& Cities();
const std::vector<StationSite>& Stations();

// Great-circle distance in km.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace metrify::simulate
