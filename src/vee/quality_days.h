// Stored daily quality reports (scaled mode; docs/scaled.md "Quality
// reports"): what `metrify worker process` keeps per meter and closed local
// day, and when the API may answer from them instead of computing the day.
//
// A stored day D is what BuildDayReports gives for [D, D + 1) from the
// validated view of WindowFor(D, D + 1) (the day and its HistoryDays before
// it), read after D closed. The live report of a range [first, end) reads
// one window for all its days, and two things of the view depend on where
// that window starts and ends:
// - due_from: the view's first point (intervals are due from it; without
//   an installation date it is the first reading in the window), and
// - sent_fields: the fields of all raw readings in the window (a MEASURED
//   interval's quality score counts the fields the meter sends).
// So each stored day keeps both, and StoredDaysAnswer accepts stored days
// only when they give what the request's own window would: its due_from
// is the least of the days' (their windows tile the request's), and that
// must put each day's due intervals where the stored day had them; every
// day must have the same sent_fields (their union is the request's).
//
// Thread safety: pure functions; QualityDays implementations say theirs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "model/meter.h"
#include "vee/local_clock.h"
#include "vee/quality_report.h"
#include "vee/rules.h"

namespace metrify::vee {

// Bumped when a stored day's meaning changes (the report's definition, the
// codec's version): every stored day's fingerprint changes with it.
inline constexpr uint32_t kStoredQualityVersion = 1;

// The fingerprint of everything a meter's day report depends on besides the
// data: the meter's time zone, interval and installation date, the rule
// settings the report reads (daily_high, daily_low, their factors,
// daily.min_history_days, gap.due_after_hours) and kStoredQualityVersion.
// A stored day is usable only while the API computes the same fingerprint
// with the rules it holds. A 64-bit FNV-1a hash: stable across processes
// and builds.
uint64_t QualityInputsOf(const model::Meter& meter, const RuleSet& rules);

struct StoredQualityDay {
  DayQuality day;
  uint64_t inputs = 0;              // QualityInputsOf when it was computed
  int64_t due_from_ms = INT64_MAX;  // the first point of the day's view; INT64_MAX: none
  uint16_t sent_fields = 0;         // fields of the raw readings in the day's window
};

// One meter's stored days of local days [first_day, end_day), unless a dirty
// mark of its block lies in [from_ms, to_ms] (changes a worker has not yet
// folded in).
struct StoredDaysQuery {
  uint32_t key = 0;
  int64_t first_day = 0, end_day = 0;
  int64_t from_ms = 0, to_ms = 0;
};

// The stored days, as the API reads them (store/postgres/pg_quality.h in
// scaled mode; null on the backend in embedded mode).
class QualityDays {
 public:
  virtual ~QualityDays() = default;
  // (*result)[i]: the stored days of queries[i], ascending by day; empty
  // when a dirty mark covers its range. One round trip for all. Errors:
  // the store's (the caller then computes live).
  virtual Result<std::vector<std::vector<StoredQualityDay>>> Read(
      std::span<const StoredDaysQuery> queries) const = 0;
};

// The range of ms a report of local days [first, end) reads (its window,
// with the half interval raw readings snap from): a StoredDaysQuery's
// from_ms and to_ms.
StoredDaysQuery StoredDaysQueryFor(uint32_t key, LocalClock& clock, int64_t first_day,
                                   int64_t end_day, const RuleSet& rules, int32_t interval_s);

// Whether `stored` (ascending) answers local days [first_day, end_day)
// exactly as BuildDayReports would now: every day is there, was computed
// with `inputs`, closed by `now_ms` (its end at or before it) and still has
// the bounds `clock` gives it, and due_from and sent_fields agree (above).
bool StoredDaysAnswer(std::span<const StoredQualityDay> stored, LocalClock& clock,
                      int64_t first_day, int64_t end_day, uint64_t inputs, const RuleSet& rules,
                      int64_t now_ms);

}  // namespace metrify::vee
