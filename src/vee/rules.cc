// Layering of VEE rules files (docs/vee.md "Rules file"). The shipped file
// and an operator's file are read alike (rules_file.cc); this file stacks
// them: built-in defaults < `defaults` < `meter_types.<type>` <
// `meters.<id>`.
#include "vee/rules.h"

#include <cstdio>
#include <cstdlib>

#include "common/strings.h"
#include "config/layers.h"
#include "model/enums.h"
#include "vee/rules_file.h"

namespace metrify::vee {
namespace {

constexpr std::string_view kShippedSource = "config/vee-rules.yaml (built in)";

// Entries of the same key in two files merge, the later file winning.
void MergeInto(std::map<std::string, RuleOverrides, std::less<>>& into,
               const std::map<std::string, RuleOverrides, std::less<>>& later) {
  for (const auto& [name, overrides] : later) into[name].MergeFrom(overrides);
}

}  // namespace

std::string_view RuleActionName(RuleAction action) {
  switch (action) {
    case RuleAction::kOff:
      return "off";
    case RuleAction::kFlag:
      return "flag";
    case RuleAction::kInvalid:
      return "invalid";
  }
  return "unknown";
}

std::optional<RuleAction> ParseRuleAction(std::string_view name) {
  for (RuleAction action : {RuleAction::kOff, RuleAction::kFlag, RuleAction::kInvalid}) {
    if (EqualsIgnoreCase(RuleActionName(action), name)) return action;
  }
  return std::nullopt;
}

const RulesConfig& RulesConfig::Defaults() {
  // Parsed once, on first use. A test parses the same text, so a failure
  // here means a build shipped a broken file: a programmer error, not a
  // Status for the caller.
  static const RulesConfig defaults = [] {
    Result<RulesFile> file = ParseRulesFile(ShippedRulesYaml(), kShippedSource);
    if (!file) {
      std::fprintf(stderr, "%s\n", file.error().message().c_str());
      std::abort();
    }
    RulesConfig config;
    file->defaults.ApplyTo(config.base_);
    config.meter_types_ = std::move(file->meter_types);
    config.meters_ = std::move(file->meters);
    return config;
  }();
  return defaults;
}

Result<RulesConfig> RulesConfig::Parse(std::string_view yaml, std::string_view source) {
  METRIFY_ASSIGN_OR_RETURN(RulesFile file, ParseRulesFile(yaml, source));
  RulesConfig config = Defaults();
  file.defaults.ApplyTo(config.base_);
  MergeInto(config.meter_types_, file.meter_types);
  MergeInto(config.meters_, file.meters);
  return config;
}

Result<RulesConfig> RulesConfig::Load(const std::string& path) {
  METRIFY_ASSIGN_OR_RETURN(std::string text, config::ReadTextFile(path, "VEE rules file"));
  return Parse(text, path);
}

RuleSet RulesConfig::For(std::string_view meter_type, std::string_view meter_id) const {
  RuleSet rules = base_;
  // Types are matched like everywhere else in the model: case-insensitively.
  if (auto type = model::ParseEnum<model::MeterType>(meter_type)) {
    auto it = meter_types_.find(model::EnumName(*type));
    if (it != meter_types_.end()) it->second.ApplyTo(rules);
  }
  auto it = meters_.find(meter_id);
  if (it != meters_.end()) it->second.ApplyTo(rules);
  return rules;
}

std::shared_ptr<const RuleSet> RulesConfig::Shared(std::string_view meter_type,
                                                   std::string_view meter_id) const {
  if (meters_.find(meter_id) != meters_.end()) {
    return std::make_shared<const RuleSet>(For(meter_type, meter_id));
  }
  std::lock_guard lock(shared_->mu);
  auto it = shared_->by_type.find(meter_type);
  if (it == shared_->by_type.end()) {
    it = shared_->by_type
             .emplace(std::string(meter_type),
                      std::make_shared<const RuleSet>(For(meter_type, meter_id)))
             .first;
  }
  return it->second;
}

}  // namespace metrify::vee
