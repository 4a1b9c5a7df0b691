// The enumerations of the data model (DESIGN.md §3) and their wire names.
//
// Wire names are what the API, the CLI and the registry store; parsing is
// case-insensitive so "active" and "ACTIVE" both read as kActive, and output
// always uses the canonical spelling below. Never rename a wire name: it is
// stored on disk and used by clients.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/strings.h"

namespace metrify::model {

enum class MeterType { kElectricity, kGas, kWater, kHeat };
enum class MeterStatus { kPending, kActive, kInactive, kMaintenance, kFaulty, kDecommissioned };
enum class CustomerSegment { kResidential, kCommercial, kIndustrial };
enum class Tariff { kStandard, kTimeOfUse, kDemandResponse };
enum class GridOperatorType { kTso, kDso };
// Status of a grid operator or a weather station as a data source.
enum class SourceStatus { kActive, kInactive, kMaintenance, kOffline };
enum class StationType { kSynoptic, kClimate, kPrecipitation, kAutomatic };

// EnumNames<E>::kNames lists every value with its wire name, in declaration order.
template <typename E>
struct EnumNames;

#define METRIFY_ENUM_NAMES(E, N, ...)                                                        \
  template <>                                                                                \
  struct EnumNames<E> {                                                                      \
    static constexpr std::array<std::pair<E, std::string_view>, N> kNames = {{__VA_ARGS__}}; \
  }

METRIFY_ENUM_NAMES(MeterType, 4, {MeterType::kElectricity, "electricity"}, {MeterType::kGas, "gas"},
                   {MeterType::kWater, "water"}, {MeterType::kHeat, "heat"});
METRIFY_ENUM_NAMES(MeterStatus, 6, {MeterStatus::kPending, "PENDING"},
                   {MeterStatus::kActive, "ACTIVE"}, {MeterStatus::kInactive, "INACTIVE"},
                   {MeterStatus::kMaintenance, "MAINTENANCE"}, {MeterStatus::kFaulty, "FAULTY"},
                   {MeterStatus::kDecommissioned, "DECOMMISSIONED"});
METRIFY_ENUM_NAMES(CustomerSegment, 3, {CustomerSegment::kResidential, "residential"},
                   {CustomerSegment::kCommercial, "commercial"},
                   {CustomerSegment::kIndustrial, "industrial"});
METRIFY_ENUM_NAMES(Tariff, 3, {Tariff::kStandard, "standard"}, {Tariff::kTimeOfUse, "time_of_use"},
                   {Tariff::kDemandResponse, "demand_response"});
METRIFY_ENUM_NAMES(GridOperatorType, 2, {GridOperatorType::kTso, "TSO"},
                   {GridOperatorType::kDso, "DSO"});
METRIFY_ENUM_NAMES(SourceStatus, 4, {SourceStatus::kActive, "ACTIVE"},
                   {SourceStatus::kInactive, "INACTIVE"},
                   {SourceStatus::kMaintenance, "MAINTENANCE"},
                   {SourceStatus::kOffline, "OFFLINE"});
METRIFY_ENUM_NAMES(StationType, 4, {StationType::kSynoptic, "synoptic"},
                   {StationType::kClimate, "climate"},
                   {StationType::kPrecipitation, "precipitation"},
                   {StationType::kAutomatic, "automatic"});
#undef METRIFY_ENUM_NAMES

template <typename E>
std::string_view EnumName(E value) {
  for (const auto& [e, name] : EnumNames<E>::kNames) {
    if (e == value) return name;
  }
  return "unknown";
}

// Case-insensitive; nullopt for an unknown name.
template <typename E>
std::optional<E> ParseEnum(std::string_view text) {
  for (const auto& [e, name] : EnumNames<E>::kNames) {
    if (EqualsIgnoreCase(name, text)) return e;
  }
  return std::nullopt;
}

// "ACTIVE, INACTIVE, ..." for error messages and documentation.
template <typename E>
std::string EnumChoices() {
  std::string out;
  for (const auto& [e, name] : EnumNames<E>::kNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace metrify::model
