#include "vee/status.h"

#include <array>
#include <utility>

#include "common/strings.h"

namespace metrify::vee {
namespace {

// One table per enum, so name and parse can never disagree; a test walks
// every value 0..255 against it.
constexpr std::array<std::pair<ValueStatus, std::string_view>, kValueStatuses> kStatusNames = {{
    {ValueStatus::kMeasured, "MEASURED"},
    {ValueStatus::kEstimated, "ESTIMATED"},
    {ValueStatus::kEdited, "EDITED"},
    {ValueStatus::kInvalid, "INVALID"},
    {ValueStatus::kMissing, "MISSING"},
}};

constexpr std::array<std::pair<RuleId, std::string_view>, 21> kRuleNames = {{
    {RuleId::kNone, "none"},
    {RuleId::kRange, "range"},
    {RuleId::kNegativeEnergy, "negative_energy"},
    {RuleId::kZeroStreak, "zero_streak"},
    {RuleId::kFlatLine, "flat_line"},
    {RuleId::kSpike, "spike"},
    {RuleId::kDailyHigh, "daily_high"},
    {RuleId::kDailyLow, "daily_low"},
    {RuleId::kGap, "gap"},
    {RuleId::kDuplicate, "duplicate"},
    {RuleId::kIntervalLength, "interval_length"},
    {RuleId::kFuture, "future"},
    {RuleId::kMisaligned, "misaligned"},
    {RuleId::kRollover, "rollover"},
    {RuleId::kReset, "reset"},
    {RuleId::kSumCheck, "sum_check"},
    {RuleId::kLinear, "linear"},
    {RuleId::kSimilarDay, "similar_day"},
    {RuleId::kProfile, "profile"},
    {RuleId::kRegisterSpread, "register_spread"},
    {RuleId::kManualEdit, "manual_edit"},
}};

template <typename E, size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";  // a number read from disk that this build does not know
}

// Case-insensitive, like the model's enums (model/enums.h).
template <typename E, size_t N>
std::optional<E> ParseIn(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view text) {
  for (const auto& [e, name] : table) {
    if (EqualsIgnoreCase(name, text)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ValueStatusName(ValueStatus status) { return NameIn(kStatusNames, status); }

std::optional<ValueStatus> ParseValueStatus(std::string_view name) {
  return ParseIn(kStatusNames, name);
}

std::string_view RuleName(RuleId rule) { return NameIn(kRuleNames, rule); }

std::optional<RuleId> ParseRuleName(std::string_view name) { return ParseIn(kRuleNames, name); }

bool IsEstimationMethod(RuleId rule) {
  switch (rule) {
    case RuleId::kLinear:
    case RuleId::kSimilarDay:
    case RuleId::kProfile:
    case RuleId::kRegisterSpread:
      return true;
    default:
      return false;
  }
}

}  // namespace metrify::vee
