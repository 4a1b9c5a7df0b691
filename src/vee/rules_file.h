// Reading one VEE rules file (docs/vee.md "Rules file") into its entries,
// before layering: RulesConfig (rules.h) stacks the shipped file and an
// operator's file built from these.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "vee/rules.h"

namespace metrify::vee {

// The entries of one file, each naming only what the file sets.
struct RulesFile {
  RuleOverrides defaults;                                         // `defaults`
  std::map<std::string, RuleOverrides, std::less<>> meter_types;  // canonical type name
  std::map<std::string, RuleOverrides, std::less<>> meters;       // meter id
};

// Parses `yaml`; `source` names the file in messages.
// Errors: InvalidArgument with one line per problem, each
// "<source> line <n>: <key path>: <what>", e.g.
// `rules.yaml line 7: defaults.spike.factor: must be a number > 1, got "abc"`.
Result<RulesFile> ParseRulesFile(std::string_view yaml, std::string_view source);

// The text of config/vee-rules.yaml, compiled in (CMakeLists.txt).
std::string_view ShippedRulesYaml();

}  // namespace metrify::vee
