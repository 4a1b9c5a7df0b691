// Layers: the raw text each source gives for each key, before typing. The
// loader stacks them (file < environment < command line) and parses every
// value through value_parser.h.
//
// Readers append one message per problem to `problems` and carry on, so an
// operator sees every mistake at once; they return a Status only when a
// source cannot be read at all.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace metrify::config {

struct RawValue {
  std::string text;
  ValueSource source;
};

// Dotted key name -> the text one source gave for it.
using Layer = std::map<std::string, RawValue>;

// Reads the YAML file at `path`. Reports unknown keys (with a suggestion),
// keys given twice, sections given as scalars and keys given as maps or
// lists to `problems`.
// Errors: IOError naming the path if it cannot be read; InvalidArgument with
// file and line for YAML syntax errors.
Result<Layer> ReadFileLayer(const std::string& path, std::vector<std::string>* problems);

// Maps METRIFY_<SECTION>_<KEY> variables to keys and reads the files named by
// METRIFY_<SECTION>_<KEY>_FILE for secret keys (content trimmed). METRIFY_CONFIG
// is not a key and is skipped. Reports unknown variables, *_FILE on public
// keys, and a secret given both directly and as a file to `problems`.
// Errors: IOError naming the variable and path if a secret file cannot be read.
Result<Layer> ReadEnvLayer(const std::map<std::string, std::string>& env,
                           std::vector<std::string>* problems);

// Command-line overrides (dotted key -> text) plus --profile, which lands on
// the "profile" key and wins over an override of it. Reports unknown keys to
// `problems`.
Layer ReadCommandLineLayer(const std::map<std::string, std::string>& overrides,
                           const std::optional<std::string>& profile,
                           std::vector<std::string>* problems);

// The whole content of the file at `path`.
// Errors: IOError "cannot read <what> <path>: <reason>".
Result<std::string> ReadTextFile(const std::string& path, std::string_view what);

// The variable that names the config file when no path is given.
inline constexpr char kConfigPathEnvVar[] = "METRIFY_CONFIG";
// The server URL of client commands (cli/command.h); not a configuration key.
inline constexpr char kClientUrlEnvVar[] = "METRIFY_URL";

}  // namespace metrify::config
