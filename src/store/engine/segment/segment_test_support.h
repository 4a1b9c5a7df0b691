// Helpers shared by the segment tests: a scratch directory and sample
// builders. Test-only; not part of metrify_core's interface.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "store/engine/head/head.h"

namespace metrify::engine::segment::test_support {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kQuarterHour = 900'000;
constexpr int32_t kJan15 = 20103;  // 2025-01-15, days since 1970-01-01
constexpr int64_t kJan15Ms = int64_t{kJan15} * kDayMs;

// A directory removed with its contents when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "segment_test.XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(path_.empty());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A sample with the given fields present (field i takes values[i]).
inline HeadSample Sample(int64_t ts, std::vector<double> values, uint16_t revision = 0,
                         int32_t interval_s = 900) {
  HeadSample s;
  s.timestamp_ms = ts;
  s.interval_s = interval_s;
  s.revision = revision;
  s.values.fill(std::nan(""));
  for (size_t i = 0; i < values.size(); ++i) {
    s.values[i] = values[i];
    s.present |= static_cast<uint16_t>(1u << i);
  }
  return s;
}

// Bitwise equality of what a segment keeps: absent fields compare as NaN.
inline bool SameSample(const HeadSample& a, const HeadSample& b) {
  return a.timestamp_ms == b.timestamp_ms && a.revision == b.revision && a.SameData(b);
}

inline ::testing::AssertionResult SameSamples(const std::vector<HeadSample>& want,
                                              const std::vector<HeadSample>& got) {
  if (want.size() != got.size()) {
    return ::testing::AssertionFailure()
           << "want " << want.size() << " samples, got " << got.size();
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (!SameSample(want[i], got[i])) {
      return ::testing::AssertionFailure()
             << "sample " << i << " differs (ts " << got[i].timestamp_ms << ", revision "
             << got[i].revision << ")";
    }
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      if (!((got[i].present >> f) & 1u) && !std::isnan(got[i].values[f])) {
        return ::testing::AssertionFailure() << "absent field " << f << " is not NaN";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace metrify::engine::segment::test_support
