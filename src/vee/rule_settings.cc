#include "vee/rule_settings.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "config/value_parser.h"

namespace metrify::vee {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Limits keep values meaningful, not merely parseable: a spike factor of 1
// would flag every rise, a streak of one interval every value.
// clang-format off
const RuleSetting kSettings[] = {
    {"range", "action", &RuleSet::range_action},
    {"range", "nominal_voltage_v", &RuleSet::nominal_voltage_v, 0, true},
    {"range", "rating_factor", &RuleSet::rating_factor, 0, true},
    {"negative_energy", "action", &RuleSet::negative_energy},
    {"zero_streak", "action", &RuleSet::zero_streak},
    {"zero_streak", "intervals", &RuleSet::zero_streak_intervals, 1},
    {"zero_streak", "min_daily_kwh", &RuleSet::zero_streak_min_daily_kwh},
    {"flat_line", "action", &RuleSet::flat_line},
    {"flat_line", "intervals", &RuleSet::flat_line_intervals, 2},
    {"spike", "action", &RuleSet::spike},
    {"spike", "factor", &RuleSet::spike_factor, 1, true},
    {"spike", "typical_factor", &RuleSet::spike_typical_factor, 1, true},
    {"spike", "min_kwh", &RuleSet::spike_min_kwh},
    {"daily_high", "action", &RuleSet::daily_high},
    {"daily_high", "factor", &RuleSet::daily_high_factor, 1, true},
    {"daily_low", "action", &RuleSet::daily_low},
    {"daily_low", "factor", &RuleSet::daily_low_factor, 0, true, 1},
    {"daily", "min_history_days", &RuleSet::daily_min_history_days, 1},
    {"duplicate", "action", &RuleSet::duplicate},
    {"interval_length", "action", &RuleSet::interval_length},
    {"future", "action", &RuleSet::future},
    {"future", "tolerance_s", &RuleSet::future_tolerance_s},
    {"misaligned", "action", &RuleSet::misaligned},
    {"misaligned", "clock_skew_tolerance_s", &RuleSet::clock_skew_tolerance_s},
    {"rollover", "action", &RuleSet::rollover},
    {"reset", "action", &RuleSet::reset},
    {"sum_check", "action", &RuleSet::sum_check},
    {"sum_check", "tolerance_kwh", &RuleSet::sum_tolerance_kwh},
    {"sum_check", "tolerance_pct", &RuleSet::sum_tolerance_pct, 0, false, 100},
    {"gap", "due_after_hours", &RuleSet::due_after_hours},
    {"estimation", "enabled", &RuleSet::estimate},
    {"estimation", "linear_max_gap_hours", &RuleSet::linear_max_gap_hours},
    {"estimation", "similar_day_weeks", &RuleSet::similar_day_weeks, 1},
    {"estimation", "similar_day_min_days", &RuleSet::similar_day_min_days, 1},
    {"estimation", "max_gap_days", &RuleSet::max_estimated_gap_days},
};
// clang-format on
static_assert(std::size(kSettings) <= 64, "RuleOverrides::settings is a 64-bit mask");

// "a number > 0", "a whole number from 1 to 100", ...
std::string Bounds(const RuleSetting& s) {
  if (s.max != kInf) {
    return s.min_exclusive ? fmt::format("> {} and <= {}", s.min, s.max)
                           : fmt::format("from {} to {}", s.min, s.max);
  }
  return fmt::format("{} {}", s.min_exclusive ? ">" : ">=", s.min);
}

bool InBounds(const RuleSetting& s, double v) {
  return (s.min_exclusive ? v > s.min : v >= s.min) && v <= s.max;
}

// One overload per member type; each returns what was expected on failure.
std::string Parse(const RuleSetting&, RuleAction RuleSet::*m, std::string_view text,
                  RuleSet& rules) {
  auto action = ParseRuleAction(text);
  if (!action) return "must be off, flag or invalid";
  rules.*m = *action;
  return "";
}

std::string Parse(const RuleSetting&, bool RuleSet::*m, std::string_view text, RuleSet& rules) {
  auto value = config::ParseBool(text);
  if (!value) return "must be true or false";
  rules.*m = *value;
  return "";
}

template <typename Int>
std::string ParseWhole(const RuleSetting& s, Int RuleSet::*m, std::string_view text,
                       RuleSet& rules) {
  auto value = ParseInt(Trim(text));
  if (!value || !InBounds(s, static_cast<double>(*value)) ||
      *value > std::numeric_limits<Int>::max()) {
    return "must be a whole number " + Bounds(s);
  }
  rules.*m = static_cast<Int>(*value);
  return "";
}

std::string Parse(const RuleSetting& s, int RuleSet::*m, std::string_view text, RuleSet& rules) {
  return ParseWhole(s, m, text, rules);
}

std::string Parse(const RuleSetting& s, int64_t RuleSet::*m, std::string_view text,
                  RuleSet& rules) {
  return ParseWhole(s, m, text, rules);
}

std::string Parse(const RuleSetting& s, double RuleSet::*m, std::string_view text, RuleSet& rules) {
  auto value = ParseDouble(Trim(text));
  if (!value || !InBounds(s, *value)) return "must be a number " + Bounds(s);
  rules.*m = *value;
  return "";
}

std::string Text(RuleAction action) { return std::string(RuleActionName(action)); }
std::string Text(bool value) { return value ? "true" : "false"; }
template <typename Number>
std::string Text(Number value) {
  return fmt::format("{}", value);
}

bool Named(uint16_t mask, int field) { return (mask >> field) & 1u; }

}  // namespace

std::string RuleSetting::Path() const { return fmt::format("{}.{}", section, key); }

std::span<const RuleSetting> RuleSettings() { return kSettings; }

int FindRuleSetting(std::string_view section, std::string_view key) {
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    if (kSettings[i].section == section && kSettings[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string_view> RuleSections() {
  std::vector<std::string_view> sections;
  for (const RuleSetting& s : kSettings) {
    if (sections.empty() || sections.back() != s.section) sections.push_back(s.section);
  }
  return sections;
}

std::vector<std::string_view> RuleSectionKeys(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const RuleSetting& s : kSettings) {
    if (s.section == section) keys.push_back(s.key);
  }
  return keys;
}

std::string ParseRuleSetting(const RuleSetting& setting, std::string_view text, RuleSet& rules) {
  return std::visit([&](auto member) { return Parse(setting, member, text, rules); },
                    setting.member);
}

std::string RuleSettingText(const RuleSetting& setting, const RuleSet& rules) {
  return std::visit([&](auto member) { return Text(rules.*member); }, setting.member);
}

void CopyRuleSetting(const RuleSetting& setting, const RuleSet& from, RuleSet& to) {
  std::visit([&](auto member) { to.*member = from.*member; }, setting.member);
}

std::string RangeText(const std::optional<Range>& range) {
  if (!range) return "null";
  auto bound = [](const std::optional<double>& b) { return b ? Text(*b) : std::string("null"); };
  return fmt::format("[{}, {}]", bound(range->min), bound(range->max));
}

void RuleOverrides::ApplyTo(RuleSet& rules) const {
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    if ((settings >> i) & 1u) CopyRuleSetting(kSettings[i], values, rules);
  }
  for (size_t kind = 0; kind < ranges.size(); ++kind) {
    for (int field = 0; field < model::kMaxSeriesFields; ++field) {
      if (Named(ranges[kind], field)) rules.ranges[kind][field] = values.ranges[kind][field];
    }
  }
}

void RuleOverrides::MergeFrom(const RuleOverrides& later) {
  later.ApplyTo(values);
  settings |= later.settings;
  for (size_t kind = 0; kind < ranges.size(); ++kind) ranges[kind] |= later.ranges[kind];
}

bool RuleOverrides::empty() const { return settings == 0 && ranges == std::array<uint16_t, 4>{}; }

}  // namespace metrify::vee
