#include "store/engine/segment/segment_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace metrify::engine::segment {

namespace {

constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::string_view kTempSuffix = ".seg.tmp";
constexpr size_t kSeqDigits = 8;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string PartitionDir(const std::string& root, model::SeriesKind kind, int32_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  const std::string date =
      fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return JoinPath(JoinPath(root, model::SeriesKindName(kind)), date);
}

std::string SegmentFileName(uint32_t seq) { return fmt::format("{:08}.seg", seq); }

Result<std::vector<uint32_t>> ListSegments(FileSystem* fs, const std::string& dir) {
  Result<std::vector<std::string>> names = fs->ListDir(dir);
  if (!names && names.error().code() == StatusCode::kNotFound) return std::vector<uint32_t>{};
  if (!names) return names.error();
  std::vector<uint32_t> seqs;
  for (const std::string& name : *names) {
    if (name.size() != kSeqDigits + kSegmentSuffix.size() || !EndsWith(name, kSegmentSuffix)) {
      continue;
    }
    const std::string_view digits(name.data(), kSeqDigits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c) != 0; })) {
      continue;
    }
    seqs.push_back(static_cast<uint32_t>(std::stoul(std::string(digits))));
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

Result<int> RemoveLeftoverTemps(FileSystem* fs, const std::string& dir) {
  Result<std::vector<std::string>> names = fs->ListDir(dir);
  if (!names && names.error().code() == StatusCode::kNotFound) return 0;
  if (!names) return names.error();
  int removed = 0;
  for (const std::string& name : *names) {
    if (!EndsWith(name, kTempSuffix)) continue;
    METRIFY_RETURN_IF_ERROR(fs->Remove(JoinPath(dir, name)));
    ++removed;
  }
  if (removed > 0) METRIFY_RETURN_IF_ERROR(fs->SyncDir(dir));
  return removed;
}

}  // namespace metrify::engine::segment
