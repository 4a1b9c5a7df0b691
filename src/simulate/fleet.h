// The simulated fleet: meters, grid operators and weather stations as the
// registry stores them, plus what the simulator needs to know about each
// meter to make its readings (load profile, annual energy, PV, register).
// Built deterministically from the seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/grid_operator.h"
#include "model/meter.h"
#include "model/weather_station.h"

namespace metrify::simulate {

struct FleetOptions {
  int meters = 1000;
  int operators = 4;  // 1..4: the first of TENNET, 50HERTZ, AMPRION, TRANSNETBW
  int stations = 20;  // 1..20 DWD stations
  uint64_t seed = 1;
  double prosumer_share = 0.15;  // residential meters with rooftop PV
};

struct SimMeter {
  model::Meter meter;
  int operator_index = 0;
  int station_index = 0;  // nearest station
  std::string profile;    // BDEW profile, H0 / G0 / L0
  double annual_kwh = 0;  // declared yearly import (before PV)
  double pv_kwp = 0;      // peak PV power; 0 = not a prosumer
  double noise = 0.1;     // relative standard deviation of a quarter-hour's energy
  double power_factor = 0.95;
  int phases = 1;
  double register_start_kwh = 0;  // the import register at the simulation start
  double register_limit_kwh = 0;  // where the register rolls over to zero
};

struct Fleet {
  std::vector<model::GridOperator> operators;
  std::vector<model::WeatherStation> stations;
  std::vector<SimMeter> meters;
};

// Errors: InvalidArgument naming the option out of range.
Result<Fleet> BuildFleet(const FleetOptions& options);

// "SM000042" for meter 42.
std::string MeterId(int index);

}  // namespace metrify::simulate
