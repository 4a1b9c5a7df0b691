// The settings table of the VEE rules file (docs/vee.md "Rules file"): one
// entry per `<section>.<key>` a file may set, with the RuleSet member it
// lands in and its limits. The parser, the layering (RuleOverrides) and the
// tests of the shipped file all read this table, so adding a setting is one
// entry here plus one line in config/vee-rules.yaml (a test fails if the
// file lacks it).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/series.h"
#include "vee/rules.h"

namespace metrify::vee {

// The member a setting lands in; its type decides how the text is parsed:
// an action name, a boolean, a whole number or a decimal number.
using RuleSetMember = std::variant<RuleAction RuleSet::*, bool RuleSet::*, int RuleSet::*,
                                   int64_t RuleSet::*, double RuleSet::*>;

struct RuleSetting {
  std::string_view section;  // "spike": a rule name (status.h), "daily" or "estimation"
  std::string_view key;      // "factor"
  RuleSetMember member;
  double min = 0;              // numbers: the smallest value allowed ...
  bool min_exclusive = false;  // ... or, when set, anything above it
  double max = std::numeric_limits<double>::infinity();

  std::string Path() const;  // "spike.factor"
};

// Every setting, grouped by section in the order of the shipped file.
std::span<const RuleSetting> RuleSettings();
// The index of `<section>.<key>` in RuleSettings(), or -1.
int FindRuleSetting(std::string_view section, std::string_view key);
// The distinct sections, in table order.
std::vector<std::string_view> RuleSections();
// The keys of `section`, for "known:" lists in error messages.
std::vector<std::string_view> RuleSectionKeys(std::string_view section);

// Parses `text` into the setting's member of `rules`. Returns an empty
// string on success, else what was expected: `must be a number > 0`.
std::string ParseRuleSetting(const RuleSetting& setting, std::string_view text, RuleSet& rules);
// The setting's value in `rules` as the file spells it: "flag", "6", "true".
std::string RuleSettingText(const RuleSetting& setting, const RuleSet& rules);
// Copies the setting's member from `from` to `to`.
void CopyRuleSetting(const RuleSetting& setting, const RuleSet& from, RuleSet& to);

// "[0, 300]", "[0, null]", "null" (no range).
std::string RangeText(const std::optional<Range>& range);

// The series kinds a rules file names ranges for, in file order.
inline constexpr model::SeriesKind kRangeKinds[] = {
    model::SeriesKind::kReading, model::SeriesKind::kGridStatus, model::SeriesKind::kObservation};

}  // namespace metrify::vee
