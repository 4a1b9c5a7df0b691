#include "vee/quality_days.h"

#include <algorithm>
#include <bit>
#include <string_view>

#include "vee/meter_directory.h"

namespace metrify::vee {

namespace {

class Fnv1a {
 public:
  void Bytes(std::string_view s) {
    for (char c : s) hash_ = (hash_ ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
    Int(s.size());  // so "ab","c" differs from "a","bc"
  }
  void Int(uint64_t v) {
    for (int i = 0; i < 8; ++i, v >>= 8) hash_ = (hash_ ^ (v & 0xFF)) * 0x100000001b3ULL;
  }
  void Real(double v) { Int(std::bit_cast<uint64_t>(v)); }
  uint64_t hash() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

uint64_t QualityInputsOf(const model::Meter& meter, const RuleSet& rules) {
  const MeterInfo info = MeterInfoOf(meter);
  Fnv1a h;
  h.Int(kStoredQualityVersion);
  h.Bytes(info.timezone);
  h.Int(static_cast<uint64_t>(info.interval_s));
  h.Bytes(meter.installation_date);
  // The settings BuildDayReports and the validated view read; the others
  // decide what VEE stores, which is data (and marks the days dirty).
  h.Int(static_cast<uint64_t>(rules.daily_high));
  h.Int(static_cast<uint64_t>(rules.daily_low));
  h.Real(rules.daily_high_factor);
  h.Real(rules.daily_low_factor);
  h.Int(static_cast<uint64_t>(rules.daily_min_history_days));
  h.Real(rules.due_after_hours);
  return h.hash();
}

StoredDaysQuery StoredDaysQueryFor(uint32_t key, LocalClock& clock, int64_t first_day,
                                   int64_t end_day, const RuleSet& rules, int32_t interval_s) {
  const ReportWindow window = WindowFor(clock, first_day, end_day, rules);
  const int64_t half = int64_t{interval_s} * 500;
  return {.key = key,
          .first_day = first_day,
          .end_day = end_day,
          .from_ms = window.start_ms - half,
          .to_ms = window.end_ms + half};
}

bool StoredDaysAnswer(std::span<const StoredQualityDay> stored, LocalClock& clock,
                      int64_t first_day, int64_t end_day, uint64_t inputs, const RuleSet& rules,
                      int64_t now_ms) {
  if (end_day <= first_day || stored.size() != static_cast<size_t>(end_day - first_day)) {
    return false;
  }
  int64_t due_from = INT64_MAX;  // the request's window's first point
  for (size_t i = 0; i < stored.size(); ++i) {
    const StoredQualityDay& s = stored[i];
    const int64_t day = first_day + static_cast<int64_t>(i);
    if (s.day.day != day || s.inputs != inputs || s.sent_fields != stored[0].sent_fields ||
        s.day.end_ms > now_ms || s.day.start_ms != clock.DayStartUtc(day) ||
        s.day.end_ms != clock.DayStartUtc(day + 1)) {
      return false;
    }
    due_from = std::min(due_from, s.due_from_ms);
  }
  // Where a first point puts the due intervals of day D and its history
  // (TallyDays): from the first history day's start when it is at or
  // before start + 1 ms, nowhere in them when after D's end, else from it.
  const int history = HistoryDays(rules);
  for (const StoredQualityDay& s : stored) {
    const int64_t lo = clock.DayStartUtc(s.day.day - history) + 1;
    auto where = [&](int64_t first) {
      if (first <= lo) return INT64_MIN;
      if (first > s.day.end_ms) return INT64_MAX;
      return first;
    };
    if (where(due_from) != where(s.due_from_ms)) return false;
  }
  return true;
}

}  // namespace metrify::vee
