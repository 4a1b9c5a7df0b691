#include "store/engine/wal/wal_files.h"

#include <algorithm>

#include "store/engine/wal/wal_format.h"

namespace metrify::engine::wal {

Result<WalFiles> ListWalFiles(FileSystem& fs, const std::string& dir) {
  METRIFY_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDir(dir));
  WalFiles files;
  for (std::string& name : names) {
    if (const auto sequence = ParseWalFileName(name)) {
      files.sequences.push_back(*sequence);
    } else {
      files.strays.push_back(std::move(name));
    }
  }
  std::sort(files.sequences.begin(), files.sequences.end());
  std::sort(files.strays.begin(), files.strays.end());
  return files;
}

std::string WalFilePath(const std::string& dir, uint64_t sequence) {
  return JoinPath(dir, WalFileName(sequence));
}

}  // namespace metrify::engine::wal
