// Which other processes have files of a data directory open: how `metrify
// restore` and `metrify migrate copy` tell that a server still runs on the
// installation they are about to replace or read (the embedded server takes
// no lock file).
#pragma once

#include <string>
#include <vector>

namespace metrify {

// "PID (NAME)" of every process other than this one with an open file whose
// path starts with one of `prefixes`, from /proc/PID/fd (Linux). Processes
// of other users are visible only to root, so this finds a server of
// another user only when run as root or as that user.
std::vector<std::string> ProcessesUsing(const std::vector<std::string>& prefixes);

// Names in `dir` without "." and ".."; empty when it cannot be read.
std::vector<std::string> DirectoryNames(const std::string& dir);

}  // namespace metrify
