#include "model/meter.h"

#include "model/field_builders.h"
#include "model/location.h"

namespace metrify::model {

const std::vector<std::string>& KnownLoadProfiles() {
  static const std::vector<std::string> kProfiles = {"H0",  "G0",  "G1",  "G2", "G3", "G4",
                                                     "G5",  "G6",  "L0",  "L1", "L2", "H25",
                                                     "G25", "L25", "P25", "S25"};
  return kProfiles;
}

namespace {

std::vector<FieldSpec<Meter>> BuildMeterFields() {
  using M = Meter;
  std::vector<FieldSpec<M>> f;
  f.push_back(IdField<M>(
                  "id", [](auto& m) -> auto& { return m.id; })
                  .Describe("Meter id given by the operator, e.g. SM000123"));
  f.push_back(EnumField<M>(
                  "type", [](auto& m) -> auto& { return m.type; }, MeterType::kElectricity)
                  .Filter("type"));
  f.push_back(EnumField<M>(
                  "status", [](auto& m) -> auto& { return m.status; }, MeterStatus::kPending)
                  .Filter("status"));
  AppendLocationFields<M>(f);
  f.push_back(TextField<M>(
                  "grid_operator_id", [](auto& m) -> auto& { return m.grid_operator_id; })
                  .Filter("operator")
                  .References("grid_operators")
                  .Describe("Grid operator the meter is connected through"));
  f.push_back(TextField<M>(
                  "weather_station_id", [](auto& m) -> auto& { return m.weather_station_id; })
                  .References("weather_stations")
                  .Describe("Weather station for the meter; the nearest one when left empty"));
  f.push_back(TextField<M>(
      "manufacturer", [](auto& m) -> auto& { return m.manufacturer; }));
  f.push_back(TextField<M>(
      "model", [](auto& m) -> auto& { return m.model; }));
  f.push_back(TextField<M>(
      "firmware", [](auto& m) -> auto& { return m.firmware; }));
  f.push_back(TextField<M>(
      "serial", [](auto& m) -> auto& { return m.serial; }));
  f.push_back(CheckedTextField<M>(
      "installation_date", FieldKind::kDate, [](auto& m) -> auto& { return m.installation_date; },
      CheckDate));
  f.push_back(
      EnumField<M>(
          "segment", [](auto& m) -> auto& { return m.segment; }, CustomerSegment::kResidential)
          .Filter("segment"));
  f.push_back(EnumField<M>(
      "tariff", [](auto& m) -> auto& { return m.tariff; }, Tariff::kStandard));
  f.push_back(
      ChoiceField<M>(
          "load_profile", [](auto& m) -> auto& { return m.load_profile; }, KnownLoadProfiles())
          .Describe("BDEW standard load profile; empty means the segment's default"));
  f.push_back(CheckedTextField<M>(
      "timezone", FieldKind::kTimeZone, [](auto& m) -> auto& { return m.timezone; }, CheckTimeZone,
      "Europe/Berlin"));
  f.push_back(NumberField<M>(
                  "register_multiplier", [](auto& m) -> auto& { return m.register_multiplier; },
                  1e-6, 1e6, 1.0)
                  .Describe("Factor from register units to kWh, e.g. a transformer ratio"));
  f.push_back(IntegerField<M>(
                  "register_digits", [](auto& m) -> auto& { return m.register_digits; }, 3, 12, 6)
                  .Describe("Digits on the register; the register rolls over after all nines"));
  f.push_back(
      IntegerField<M>(
          "register_decimals", [](auto& m) -> auto& { return m.register_decimals; }, 0, 6, 1)
          .Describe("How many of the register's digits are after the decimal point"));
  f.push_back(NumberField<M>(
                  "rated_current_a", [](auto& m) -> auto& { return m.rated_current_a; }, 0.1, 10000)
                  .Describe("Maximum current the meter is rated for, in A"));
  f.push_back(NumberField<M>(
                  "annual_consumption_kwh",
                  [](auto& m) -> auto& { return m.annual_consumption_kwh; }, 0, 1e9)
                  .Describe("Declared yearly consumption; scales standard load profiles"));
  f.push_back(ObjectField<M>(
      "metadata", [](auto& m) -> auto& { return m.metadata; }));
  f.push_back(TimestampField<M>(
      "created_at", [](auto& m) -> auto& { return m.created_at; }));
  f.push_back(TimestampField<M>(
      "updated_at", [](auto& m) -> auto& { return m.updated_at; }));
  return f;
}

}  // namespace

const std::vector<FieldSpec<Meter>>& MeterFields() {
  static const std::vector<FieldSpec<Meter>> kFields = BuildMeterFields();
  return kFields;
}

std::vector<FieldError> ValidateMeter(const Meter& meter) {
  std::vector<FieldError> errors = ValidateLocation(meter);
  if (meter.register_decimals >= meter.register_digits) {
    errors.push_back({"register_decimals", "out_of_range",
                      "register_decimals must be smaller than register_digits"});
  }
  return errors;
}

}  // namespace metrify::model
