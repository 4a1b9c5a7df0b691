#include "model/grid_operator.h"

#include "model/location.h"

namespace metrify::model {

namespace {

std::optional<FieldError> CheckCountry(const std::string& field, std::string_view code) {
  bool ok = code.size() == 2 && std::isupper(static_cast<unsigned char>(code[0])) &&
            std::isupper(static_cast<unsigned char>(code[1]));
  if (ok) return std::nullopt;
  return FieldError{
      field, "invalid_country",
      fmt::format("{} must be an ISO 3166 alpha-2 code such as DE, got \"{}\"", field, code)};
}

std::vector<FieldSpec<GridOperator>> BuildGridOperatorFields() {
  using G = GridOperator;
  std::vector<FieldSpec<G>> f;
  f.push_back(IdField<G>(
                  "id", [](auto& g) -> auto& { return g.id; })
                  .Describe("Operator id, e.g. TENNET"));
  f.push_back(NameField<G>(
      "name", [](auto& g) -> auto& { return g.name; }));
  f.push_back(EnumField<G>(
                  "type", [](auto& g) -> auto& { return g.type; }, GridOperatorType::kTso)
                  .Filter("type")
                  .Describe("TSO (transmission) or DSO (distribution)"));
  f.push_back(TextField<G>(
      "control_area", [](auto& g) -> auto& { return g.control_area; }));
  f.push_back(NumberField<G>(
                  "capacity_mw", [](auto& g) -> auto& { return g.capacity_mw; }, 0, 1e7)
                  .Describe("Installed transmission capacity in MW"));
  f.push_back(
      NumberField<G>(
          "voltage_level_kv", [](auto& g) -> auto& { return g.voltage_level_kv; }, 0.1, 1200)
          .Describe("Nominal voltage level in kV"));
  AppendLocationFields<G>(f);
  f.push_back(CheckedTextField<G>(
      "country", FieldKind::kText, [](auto& g) -> auto& { return g.country; }, CheckCountry, "DE"));
  f.push_back(EnumField<G>(
                  "status", [](auto& g) -> auto& { return g.status; }, SourceStatus::kActive)
                  .Filter("status"));
  f.push_back(ObjectField<G>(
      "metadata", [](auto& g) -> auto& { return g.metadata; }));
  f.push_back(TimestampField<G>(
      "created_at", [](auto& g) -> auto& { return g.created_at; }));
  f.push_back(TimestampField<G>(
      "updated_at", [](auto& g) -> auto& { return g.updated_at; }));
  return f;
}

}  // namespace

const std::vector<FieldSpec<GridOperator>>& GridOperatorFields() {
  static const std::vector<FieldSpec<GridOperator>> kFields = BuildGridOperatorFields();
  return kFields;
}

std::vector<FieldError> ValidateGridOperator(const GridOperator& op) {
  return ValidateLocation(op);
}

}  // namespace metrify::model
