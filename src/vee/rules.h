// The VEE rules file (docs/vee.md "Rules file"): which checks run, with
// which limits, and what they do to a value, as data. The shipped defaults
// live in config/vee-rules.yaml (compiled in); an operator's file overrides
// them, for all meters, per meter type (electricity, gas, water, heat) and
// per meter id, in that order of precedence (a meter's own entry wins).
//
// Thread safety: a loaded RulesConfig is immutable; For() may be called from
// any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/series.h"

namespace metrify::vee {

// What a rule does when it fires.
enum class RuleAction : uint8_t {
  kOff,      // not checked
  kFlag,     // the value stays MEASURED; the rule is recorded (rules fired, `rule`)
  kInvalid,  // the value becomes INVALID and is estimated
};

// "off", "flag", "invalid": the rules file's spelling.
std::string_view RuleActionName(RuleAction action);
// Case-insensitive; nullopt for anything else.
std::optional<RuleAction> ParseRuleAction(std::string_view name);

// A plausibility range; an absent bound is open.
struct Range {
  std::optional<double> min, max;
  bool Contains(double v) const { return (!min || v >= *min) && (!max || v <= *max); }
  bool operator==(const Range&) const = default;
};

// The effective rules for one meter (or for one grid operator or weather
// station: only `ranges` of their kind apply there).
struct RuleSet {
  // Plausibility ranges per field of each series kind, by field index
  // (model::SeriesFields order); fields without a range are unchecked.
  std::array<std::array<std::optional<Range>, model::kMaxSeriesFields>, 4> ranges{};
  // The interval energy's upper bound from the meter's rating:
  // 3 phases x rated_current_a x nominal_voltage_v x interval x
  // rating_factor, used when the meter has rated_current_a and the energy
  // range has no max; the current's upper bound is then rated_current_a x
  // rating_factor.
  double nominal_voltage_v = 230;
  double rating_factor = 1.2;
  RuleAction range_action = RuleAction::kInvalid;

  RuleAction negative_energy = RuleAction::kInvalid;

  RuleAction zero_streak = RuleAction::kFlag;
  int zero_streak_intervals = 96;        // this many zero intervals in a row ...
  double zero_streak_min_daily_kwh = 1;  // ... from a meter whose usual day is above this

  RuleAction flat_line = RuleAction::kFlag;
  int flat_line_intervals = 16;  // identical non-zero values in a row

  RuleAction spike = RuleAction::kInvalid;
  double spike_factor = 6;          // above factor x the larger neighbour ...
  double spike_typical_factor = 6;  // ... and factor x the usual value at that time of day
  double spike_min_kwh = 0.05;      // values below this are never spikes

  RuleAction daily_high = RuleAction::kFlag;
  RuleAction daily_low = RuleAction::kFlag;
  double daily_high_factor = 3;    // day's energy above factor x the usual day
  double daily_low_factor = 0.2;   // below factor x the usual day
  int daily_min_history_days = 7;  // usual day known after this many days

  RuleAction duplicate = RuleAction::kFlag;  // re-sent with another value (the latest is used)
  RuleAction interval_length = RuleAction::kInvalid;
  RuleAction future = RuleAction::kInvalid;
  int64_t future_tolerance_s = 300;
  RuleAction misaligned = RuleAction::kInvalid;
  int64_t clock_skew_tolerance_s = 60;  // within it a reading is snapped to the grid

  RuleAction rollover = RuleAction::kFlag;
  RuleAction reset = RuleAction::kFlag;
  RuleAction sum_check = RuleAction::kFlag;
  double sum_tolerance_kwh = 0.01;  // |sum of intervals - register difference| allowed ...
  double sum_tolerance_pct = 1;     // ... or this share of the difference, whichever is larger

  // Estimation.
  bool estimate = true;                // fill MISSING and INVALID intervals
  double linear_max_gap_hours = 2;     // linear interpolation up to this gap
  int similar_day_weeks = 4;           // same weekday, this many weeks back
  int similar_day_min_days = 2;        // at least this many of them measured
  double max_estimated_gap_days = 31;  // longer gaps stay MISSING
  double due_after_hours = 4;          // an interval not received this long after its end is a gap

  bool operator==(const RuleSet&) const = default;
};

// A partial RuleSet: what one entry of a rules file (its `defaults`, one
// meter type, one meter) sets. Applying it overrides only the settings and
// ranges it names, so a meter entry setting spike.factor keeps the spike
// action its meter type chose.
struct RuleOverrides {
  RuleSet values;                    // meaningful only where named below
  uint64_t settings = 0;             // bit i: the file names setting i (vee/rule_settings.h)
  std::array<uint16_t, 4> ranges{};  // ranges[kind] bit f: names field f's range

  // Copies the named settings and ranges into `rules`.
  void ApplyTo(RuleSet& rules) const;
  // Adds what `later` names, its values winning where both name a setting.
  void MergeFrom(const RuleOverrides& later);
  bool empty() const;
};

class RulesConfig {
 public:
  // The shipped defaults only.
  static const RulesConfig& Defaults();
  // Parses a rules file (YAML; docs/vee.md "Rules file") and layers it over
  // Defaults(). `source` names it in errors ("rules.yaml").
  // Errors: InvalidArgument naming the file, line and key for syntax errors,
  // unknown keys, unknown fields, rule names, actions and out-of-range values.
  // Every problem of the file is reported, one per line of the message.
  static Result<RulesConfig> Parse(std::string_view yaml, std::string_view source);
  // Reads and parses the file at `path`. Errors: IOError, as Parse.
  static Result<RulesConfig> Load(const std::string& path);

  // The effective rules of a meter of `meter_type` ("electricity", ...)
  // with id `meter_id`: defaults < the file's `defaults` < `meter_types` <
  // `meters`.
  RuleSet For(std::string_view meter_type, std::string_view meter_id) const;
  // The same, shared: meters that no `meters` entry names get one RuleSet
  // per type (a RuleSet is 2 KB; a fleet of 100,000 meters would hold 200 MB
  // of identical copies). Thread-safe.
  std::shared_ptr<const RuleSet> Shared(std::string_view meter_type,
                                        std::string_view meter_id) const;

 private:
  struct SharedCache {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<const RuleSet>, std::less<>> by_type;  // guarded by mu
  };

  // The built-in defaults with every file's `defaults` applied: the rules
  // of a meter that no entry names.
  RuleSet base_;
  // `meter_types.<type>` (canonical lower-case type name) and
  // `meters.<id>`, each the merge of the shipped file's entry and the
  // operator's.
  std::map<std::string, RuleOverrides, std::less<>> meter_types_;
  std::map<std::string, RuleOverrides, std::less<>> meters_;
  // Shared by copies of this config (they have the same rules).
  std::shared_ptr<SharedCache> shared_ = std::make_shared<SharedCache>();
};

}  // namespace metrify::vee
