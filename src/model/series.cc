#include "model/series.h"

namespace metrify::model {

const std::vector<SeriesField>& SeriesFields(SeriesKind kind) {
  // OBIS codes where they exist, for readers who know meters by them.
  static const std::vector<SeriesField> kReading = {
      {"energy_kwh", "kWh", "Active import energy in the interval (OBIS 1-0:1.29.0)"},
      {"energy_export_kwh", "kWh", "Active export energy in the interval (OBIS 1-0:2.29.0)"},
      {"register_kwh", "kWh", "Cumulative import register at the interval end (OBIS 1-0:1.8.0)"},
      {"voltage_v", "V", "Voltage"},
      {"current_a", "A", "Current"},
      {"power_factor", "", "Power factor, 0 to 1"},
      {"frequency_hz", "Hz", "Grid frequency seen by the meter"},
      {"active_power_kw", "kW", "Active power"},
      {"reactive_power_kvar", "kvar", "Reactive power"},
  };
  static const std::vector<SeriesField> kGridStatus = {
      {"frequency_hz", "Hz", "Grid frequency"},
      {"voltage_kv", "kV", "Voltage"},
      {"load_mw", "MW", "Load"},
      {"generation_mw", "MW", "Generation"},
      {"renewable_share_pct", "%", "Share of generation from renewables"},
      {"available_capacity_mw", "MW", "Available transmission capacity"},
      {"stability_score", "", "Stability, 0 (unstable) to 1"},
  };
  static const std::vector<SeriesField> kObservation = {
      {"temperature_c", "°C", "Air temperature"},
      {"humidity_pct", "%", "Relative humidity"},
      {"pressure_hpa", "hPa", "Air pressure"},
      {"wind_speed_ms", "m/s", "Wind speed"},
      {"wind_direction_deg", "°", "Wind direction"},
      {"cloud_cover_pct", "%", "Cloud cover"},
      {"solar_radiation_wm2", "W/m²", "Global solar radiation"},
      {"precipitation_mm", "mm", "Precipitation"},
      {"visibility_km", "km", "Visibility"},
  };
  // One `verdict` field packs status, rule, out-of-range fields and fired
  // rules (vee/overlay.h): a sparse series pays index space per column.
  static const std::vector<SeriesField> kVeeOverlay = {
      {"energy_kwh", "kWh", "Validated interval energy (absent: none)"},
      {"energy_export_kwh", "kWh", "Validated export energy"},
      {"register_kwh", "kWh", "Validated register"},
      {"raw_energy_kwh", "kWh", "The raw reading's energy it stands for (absent: none)"},
      {"verdict", "", "Status, rule, out-of-range fields and fired rules (vee/overlay.h)"},
      {"late_by_s", "s", "How far the meter's data had advanced when it arrived (absent: 0)"},
  };
  switch (kind) {
    case SeriesKind::kReading:
      return kReading;
    case SeriesKind::kGridStatus:
      return kGridStatus;
    case SeriesKind::kObservation:
      return kObservation;
    case SeriesKind::kVeeOverlay:
      return kVeeOverlay;
  }
  return kReading;
}

std::optional<int> SeriesFieldIndex(SeriesKind kind, std::string_view name) {
  const auto& fields = SeriesFields(kind);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string_view SeriesKindName(SeriesKind kind) {
  switch (kind) {
    case SeriesKind::kReading:
      return "reading";
    case SeriesKind::kGridStatus:
      return "grid_status";
    case SeriesKind::kObservation:
      return "observation";
    case SeriesKind::kVeeOverlay:
      return "vee_overlay";
  }
  return "unknown";
}

}  // namespace metrify::model
