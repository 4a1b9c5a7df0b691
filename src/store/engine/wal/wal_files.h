// The files of a WAL directory: which names are WAL files, in which order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace metrify::engine::wal {

struct WalFiles {
  std::vector<uint64_t> sequences;  // of the NNNNNNNN.wal files, ascending
  std::vector<std::string> strays;  // every other name, sorted
};

// Lists `dir`. Returns NotFound when `dir` does not exist, IOError when it
// cannot be read.
Result<WalFiles> ListWalFiles(FileSystem& fs, const std::string& dir);

// "<dir>/NNNNNNNN.wal".
std::string WalFilePath(const std::string& dir, uint64_t sequence);

}  // namespace metrify::engine::wal
