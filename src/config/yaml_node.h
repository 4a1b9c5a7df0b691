// Small helpers for messages about YAML nodes, shared by every reader of an
// operator's YAML file (the configuration file, the VEE rules file) so they
// word their errors alike.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace metrify::config {

// The 1-based line of `node` in its file.
inline int YamlLine(const YAML::Node& node) { return node.Mark().line + 1; }

// "a map", "a list", "a single value": what a node is, for "expected X, got Y".
inline std::string_view YamlShape(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "a single value";
}

}  // namespace metrify::config
