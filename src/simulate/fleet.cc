#include "simulate/fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "simulate/places.h"
#include "simulate/rng.h"

namespace metrify::simulate {

std::string MeterId(int index) { return fmt::format("SM{:06d}", index); }

namespace {

std::vector<model::GridOperator> MakeOperators(int count) {
  std::vector<model::GridOperator> out;
  for (int i = 0; i < count; ++i) {
    const OperatorSite& site = Operators()[i];
    model::GridOperator op;
    op.id = std::string(site.id);
    op.name = std::string(site.name);
    op.type = model::GridOperatorType::kTso;
    op.control_area = std::string(site.control_area);
    op.capacity_mw = site.capacity_mw;
    op.voltage_level_kv = 380;
    op.latitude = site.latitude;
    op.longitude = site.longitude;
    op.city = std::string(site.city);
    op.postal_code = std::string(site.postal_code);
    out.push_back(std::move(op));
  }
  return out;
}

std::vector<model::WeatherStation> MakeStations(int count) {
  std::vector<model::WeatherStation> out;
  for (int i = 0; i < count; ++i) {
    const StationSite& site = Stations()[i];
    model::WeatherStation ws;
    ws.id = fmt::format("WS{:03d}", i + 1);
    ws.name = std::string(site.name);
    ws.provider = "DWD";
    ws.type = model::StationType::kSynoptic;
    ws.latitude = site.latitude;
    ws.longitude = site.longitude;
    ws.elevation_m = site.elevation_m;
    ws.metadata = fmt::format(R"({{"dwd_station_id":{}}})", site.dwd_id);
    out.push_back(std::move(ws));
  }
  return out;
}

int NearestStation(const std::vector<model::WeatherStation>& stations, double lat, double lon) {
  int best = 0;
  double best_km = 1e18;
  for (size_t i = 0; i < stations.size(); ++i) {
    const double km = DistanceKm(lat, lon, *stations[i].latitude, *stations[i].longitude);
    if (km < best_km) {
      best_km = km;
      best = static_cast<int>(i);
    }
  }
  return best;
}

// Cities served by the chosen operators, with cumulative population weights.
struct CityPicker {
  std::vector<const City*> cities;
  std::vector<double> cumulative;

  explicit CityPicker(int operators) {
    double total = 0;
    for (const City& c : Cities()) {
      if (c.operator_index >= operators) continue;
      total += c.population_k;
      cities.push_back(&c);
      cumulative.push_back(total);
    }
  }
  const City& Pick(Rng& rng) const {
    const double x = rng.Uniform() * cumulative.back();
    const size_t i = std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin();
    return *cities[std::min(i, cities.size() - 1)];
  }
};

// Segment mix of a German distribution grid by meter count, and declared
// annual energy: households around 3,000 kWh, businesses 10-60 MWh,
// industry 100-600 MWh (lognormal spread).
void SetSegment(SimMeter& m, Rng& rng, double prosumer_share) {
  const double x = rng.Uniform();
  if (x < 0.85) {
    m.meter.segment = model::CustomerSegment::kResidential;
    m.profile = "H0";
    m.annual_kwh = std::round(std::clamp(3000 * std::exp(rng.Normal(0, 0.45)), 800.0, 12000.0));
    m.noise = 0.35;
    m.phases = 1;
    if (rng.Chance(prosumer_share)) m.pv_kwp = std::round(rng.Uniform(3, 12) * 10) / 10;
  } else if (x < 0.97) {
    m.meter.segment = model::CustomerSegment::kCommercial;
    m.profile = "G0";
    m.annual_kwh = std::round(std::clamp(25000 * std::exp(rng.Normal(0, 0.5)), 5000.0, 150000.0));
    m.noise = 0.15;
    m.phases = 3;
  } else {
    m.meter.segment = model::CustomerSegment::kIndustrial;
    m.profile = "L0";
    m.annual_kwh =
        std::round(std::clamp(250000 * std::exp(rng.Normal(0, 0.5)), 60000.0, 1500000.0));
    m.noise = 0.08;
    m.phases = 3;
  }
}

constexpr const char* kManufacturers[] = {"Landis+Gyr", "Itron", "EMH metering", "Iskraemeco",
                                          "EasyMeter"};

SimMeter MakeMeter(int index, const FleetOptions& o, const CityPicker& picker,
                   const std::vector<model::WeatherStation>& stations) {
  Rng rng(o.seed, Stream::kFleet, {index});
  SimMeter m;
  model::Meter& meter = m.meter;
  meter.id = MeterId(index);
  meter.status = model::MeterStatus::kActive;
  const City& city = picker.Pick(rng);
  // Within about 5 km of the centre.
  meter.latitude = std::round((city.latitude + rng.Normal(0, 0.02)) * 1e5) / 1e5;
  meter.longitude = std::round((city.longitude + rng.Normal(0, 0.03)) * 1e5) / 1e5;
  meter.city = std::string(city.name);
  meter.postal_code = std::string(city.postal_code);
  meter.address = fmt::format("Simulated street {}", 1 + rng.Below(200));
  m.operator_index = city.operator_index;
  meter.grid_operator_id = std::string(Operators()[city.operator_index].id);
  m.station_index = NearestStation(stations, *meter.latitude, *meter.longitude);
  meter.weather_station_id = stations[m.station_index].id;
  SetSegment(m, rng, o.prosumer_share);
  meter.load_profile = m.profile;
  meter.annual_consumption_kwh = m.annual_kwh;
  meter.tariff = rng.Chance(0.2) ? model::Tariff::kTimeOfUse : model::Tariff::kStandard;
  meter.manufacturer = kManufacturers[rng.Below(std::size(kManufacturers))];
  meter.model = m.phases == 1 ? "eHZ-1P" : "eHZ-3P";
  meter.firmware = fmt::format("{}.{}.{}", 1 + rng.Below(3), rng.Below(10), rng.Below(20));
  meter.serial = fmt::format("1{:09d}", index);
  meter.installation_date = fmt::format("20{:02d}-{:02d}-{:02d}", 15 + rng.Below(10),
                                        1 + rng.Below(12), 1 + rng.Below(28));
  // The smallest standard rating that carries three times the mean load
  // per phase with margin: direct-connected 60/100 A for households and
  // small businesses, transformer-rated sizes for the big ones.
  const double mean_kw = m.annual_kwh / 8760;
  const double peak_a = 3 * mean_kw * 1000 / (230.0 * m.phases);
  static constexpr double kRatings[] = {60, 100, 160, 250, 400, 630, 1000, 1600, 2500, 4000};
  double rated = kRatings[std::size(kRatings) - 1];
  for (double r : kRatings) {
    if (r >= 1.5 * peak_a && (m.phases == 3 || r == 60)) {
      rated = r;
      break;
    }
  }
  meter.rated_current_a = m.phases == 1 ? 60 : std::max(100.0, rated);
  m.power_factor = std::round(rng.Uniform(0.90, 0.99) * 1000) / 1000;
  // Three decimals keep the interval energies' 0.001 kWh resolution, so
  // registers and intervals agree exactly. Households get a 5+3 digit
  // register (99999.999 kWh); bigger consumers as many digits as give ten
  // years of headroom, and every start leaves at least two: the only
  // rollovers in a run (of under two years) are the planned ones, which the
  // simulator places by moving the start.
  const int whole_digits = std::max(5, static_cast<int>(std::ceil(std::log10(10 * m.annual_kwh))));
  meter.register_digits = whole_digits + 3;
  meter.register_decimals = 3;
  m.register_limit_kwh = std::pow(10.0, whole_digits);
  m.register_start_kwh =
      std::round(rng.Uniform(0, 1) *
                 std::min(0.6 * m.register_limit_kwh, m.register_limit_kwh - 2 * m.annual_kwh));
  return m;
}

}  // namespace

Result<Fleet> BuildFleet(const FleetOptions& o) {
  if (o.meters < 0 || o.meters > 1'000'000) {
    return Status::InvalidArgument(fmt::format("--meters must be 0..1000000, got {}", o.meters));
  }
  if (o.operators < 1 || o.operators > static_cast<int>(Operators().size())) {
    return Status::InvalidArgument(
        fmt::format("--operators must be 1..{}, got {}", Operators().size(), o.operators));
  }
  if (o.stations < 1 || o.stations > static_cast<int>(Stations().size())) {
    return Status::InvalidArgument(
        fmt::format("--stations must be 1..{}, got {}", Stations().size(), o.stations));
  }
  Fleet fleet;
  fleet.operators = MakeOperators(o.operators);
  fleet.stations = MakeStations(o.stations);
  const CityPicker picker(o.operators);
  fleet.meters.reserve(o.meters);
  for (int i = 0; i < o.meters; ++i)
    fleet.meters.push_back(MakeMeter(i, o, picker, fleet.stations));
  return fleet;
}

}  // namespace metrify::simulate
