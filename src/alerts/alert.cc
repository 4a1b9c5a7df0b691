#include "alerts/alert.h"

#include <array>
#include <utility>

#include "common/strings.h"

namespace metrify::alerts {

namespace {

constexpr std::array<std::pair<Severity, std::string_view>, 3> kSeverities = {
    {{Severity::kInfo, "INFO"},
     {Severity::kWarning, "WARNING"},
     {Severity::kCritical, "CRITICAL"}}};
constexpr std::array<std::pair<AlertState, std::string_view>, 3> kStates = {
    {{AlertState::kOpen, "OPEN"},
     {AlertState::kAcknowledged, "ACKNOWLEDGED"},
     {AlertState::kResolved, "RESOLVED"}}};
constexpr std::array<std::pair<SourceKind, std::string_view>, 3> kSourceKinds = {
    {{SourceKind::kMeter, "meter"},
     {SourceKind::kGridOperator, "grid_operator"},
     {SourceKind::kWeatherStation, "weather_station"}}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& names,
                       std::string_view text) {
  for (const auto& [e, name] : names) {
    if (EqualsIgnoreCase(name, text)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view SeverityName(Severity s) { return NameOf(kSeverities, s); }
std::string_view StateName(AlertState s) { return NameOf(kStates, s); }
std::string_view SourceKindName(SourceKind k) { return NameOf(kSourceKinds, k); }
std::optional<Severity> ParseSeverity(std::string_view text) { return Parse(kSeverities, text); }
std::optional<AlertState> ParseState(std::string_view text) { return Parse(kStates, text); }
std::optional<SourceKind> ParseSourceKind(std::string_view text) {
  return Parse(kSourceKinds, text);
}

}  // namespace metrify::alerts
