// The vocabulary of VEE (validation, estimation, editing; docs/vee.md): the
// status every validated value carries and the rules and methods that set
// it. Rule and method ids are strings on the wire and small numbers on disk
// (the validated series stores them as floats): never renumber; add at the
// end.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace metrify::vee {

// The MSCONS vocabulary: a true value, a substitute, a corrected one, one
// that cannot be true, none at all.
enum class ValueStatus : uint8_t {
  kMeasured = 0,
  kEstimated = 1,
  kEdited = 2,
  kInvalid = 3,
  kMissing = 4,
};
inline constexpr int kValueStatuses = 5;

std::string_view ValueStatusName(ValueStatus status);  // "MEASURED", ...
std::optional<ValueStatus> ParseValueStatus(std::string_view name);

// What decided a value's status: a validation rule, an estimation method or
// an edit. kNone: measured and nothing fired.
enum class RuleId : uint8_t {
  kNone = 0,
  // Validation rules.
  kRange = 1,            // a field outside its plausibility range
  kNegativeEnergy = 2,   // interval energy below zero
  kZeroStreak = 3,       // N intervals of zero from a meter that normally consumes
  kFlatLine = 4,         // N identical non-zero values
  kSpike = 5,            // far above its neighbours and its usual value at that time
  kDailyHigh = 6,        // the local day's energy far above the meter's usual day
  kDailyLow = 7,         // ... far below
  kGap = 8,              // no reading for the interval
  kDuplicate = 9,        // sent again with a different value
  kIntervalLength = 10,  // interval length other than the meter's
  kFuture = 11,          // timestamp later than now + tolerance
  kMisaligned = 12,      // timestamp off the interval grid beyond the clock-skew tolerance
  kRollover = 13,        // the register passed its width and restarted (energy consistent)
  kReset = 14,           // the register dropped without a rollover (reset or exchange)
  kSumCheck = 15,        // interval energies disagree with the register difference
  // Estimation methods.
  kLinear = 32,          // linear interpolation between the adjoining intervals
  kSimilarDay = 33,      // mean of the same local time on the same weekday, last weeks
  kProfile = 34,         // the meter's standard load profile, scaled
  kRegisterSpread = 35,  // a known register difference spread over the gap
  // Editing.
  kManualEdit = 64,  // set by a person, with a reason (audited)
};

// "range", "negative_energy", ..., "linear", ..., "manual_edit"; the rules
// file and the API use these names.
std::string_view RuleName(RuleId rule);
std::optional<RuleId> ParseRuleName(std::string_view name);
// Whether `rule` is an estimation method.
bool IsEstimationMethod(RuleId rule);

}  // namespace metrify::vee
