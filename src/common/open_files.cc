#include "common/open_files.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string_view>

namespace metrify {

namespace {

bool IsPid(const std::string& name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c) != 0; });
}

bool HasOpen(const std::string& pid, const std::vector<std::string>& prefixes) {
  const std::string fd_dir = "/proc/" + pid + "/fd";
  for (const std::string& fd : DirectoryNames(fd_dir)) {
    char target[4096];
    const ssize_t n = readlink((fd_dir + "/" + fd).c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    const std::string_view path(target, static_cast<size_t>(n));
    for (const std::string& p : prefixes) {
      if (path.starts_with(p)) return true;
    }
  }
  return false;
}

std::string CommandName(const std::string& pid) {
  std::ifstream comm("/proc/" + pid + "/comm");
  std::string name;
  if (!std::getline(comm, name)) name = "?";
  return name;
}

}  // namespace

std::vector<std::string> ProcessesUsing(const std::vector<std::string>& prefixes) {
  std::vector<std::string> found;
  const std::string self = std::to_string(getpid());
  for (const std::string& pid : DirectoryNames("/proc")) {
    if (pid == self || !IsPid(pid) || !HasOpen(pid, prefixes)) continue;
    found.push_back(pid + " (" + CommandName(pid) + ")");
  }
  return found;
}

std::vector<std::string> DirectoryNames(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;  // e.g. a process that ended meanwhile, another user's fds
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(d);
  return names;
}

}  // namespace metrify
