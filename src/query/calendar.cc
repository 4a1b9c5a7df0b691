#include "query/calendar.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <exception>
#include <string>

#include "common/time.h"

namespace metrify::query {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kMsPerDay = 86'400'000;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: far inside date's year
// range, so that adding an offset or a day never overflows.
constexpr int64_t kMinMs = -62'135'596'800'000;
constexpr int64_t kMaxMs = 253'402'300'799'999;

int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// date reports the first and last offset periods as reaching years -32767
// and 32767; those fit in int64 milliseconds.
int64_t ToMs(date::sys_seconds t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// An interval [begin, end) of UTC instants during which the zone's offset
// from UTC stays the same.
struct Period {
  int64_t begin_ms;
  int64_t end_ms;
  int64_t offset_ms;
};

Period PeriodAt(const date::time_zone* tz, int64_t t_ms) {
  date::sys_info info = tz->get_info(date::sys_time<milliseconds>(milliseconds(t_ms)));
  return {ToMs(info.begin), ToMs(info.end),
          std::chrono::duration_cast<milliseconds>(info.offset).count()};
}

// The last instant <= t whose wall clock reads a multiple of `step`. Walks
// back through earlier periods when the current one has none before t.
int64_t FloorStep(int64_t t, int64_t step, const date::time_zone* tz) {
  for (int64_t x = t;;) {
    Period p = PeriodAt(tz, x);
    int64_t b = FloorDiv(x + p.offset_ms, step) * step - p.offset_ms;
    if (b >= p.begin_ms) return b;
    x = p.begin_ms - 1;
  }
}

// The first instant > t whose wall clock reads a multiple of `step`.
int64_t NextStep(int64_t t, int64_t step, const date::time_zone* tz) {
  for (int64_t x = t + 1;;) {
    Period p = PeriodAt(tz, x);
    int64_t b = CeilDiv(x + p.offset_ms, step) * step - p.offset_ms;
    if (b < p.end_ms) return b;
    x = p.end_ms;
  }
}

// How many such instants lie in [lo, hi): counted per offset period, so a
// refused range of millions of buckets costs only a few steps.
int64_t CountSteps(int64_t lo, int64_t hi, int64_t step, const date::time_zone* tz) {
  int64_t n = 0;
  for (int64_t x = lo; x < hi;) {
    Period p = PeriodAt(tz, x);
    int64_t until = std::min(p.end_ms, hi);
    int64_t first = CeilDiv(x + p.offset_ms, step) * step - p.offset_ms;
    if (first < until) n += (until - 1 - first) / step + 1;
    x = p.end_ms;
  }
  return n;
}

// The first instant of local day `day` (days since 1970-01-01 on the wall).
int64_t DayStart(int64_t day, const date::time_zone* tz) {
  date::local_seconds midnight{date::local_days{date::days{day}}};
  date::local_info info = tz->get_info(midnight);
  if (info.result == date::local_info::nonexistent) return ToMs(info.second.begin);
  // Unique, or ambiguous: `first` is the period before the transition, which
  // gives the earlier of the two instants.
  return ToMs(date::sys_seconds{midnight.time_since_epoch() - info.first.offset});
}

int64_t LocalDay(int64_t t, const date::time_zone* tz) {
  return FloorDiv(t + PeriodAt(tz, t).offset_ms, kMsPerDay);
}

// Calendar units (days or months) are numbered on the wall clock; `start`
// maps a unit number to its first instant, `of` maps an instant to its unit.
struct Unit {
  int64_t (*of)(int64_t t, const date::time_zone* tz);
  int64_t (*start)(int64_t unit, const date::time_zone* tz);
};

// Months since 1970-01.
int64_t MonthOf(int64_t t, const date::time_zone* tz) {
  date::year_month_day ymd{date::sys_days{date::days{LocalDay(t, tz)}}};
  return (int(ymd.year()) - 1970) * 12 + int(unsigned(ymd.month())) - 1;
}

int64_t MonthStart(int64_t month, const date::time_zone* tz) {
  auto ymd = date::year(int(1970 + FloorDiv(month, 12))) /
             date::month(unsigned(month - FloorDiv(month, 12) * 12 + 1)) / 1;
  return DayStart(date::sys_days{ymd}.time_since_epoch().count(), tz);
}

Status TooMany(int64_t buckets, Interval interval, size_t max_buckets) {
  return Status::InvalidArgument(fmt::format(
      "the range has {} buckets of {}; at most {} are allowed: narrow the range or choose a "
      "coarser interval",
      buckets, IntervalName(interval), max_buckets));
}

Result<std::vector<int64_t>> StepEdges(int64_t start, int64_t end, int64_t step, Interval interval,
                                       const date::time_zone* tz, size_t max_buckets) {
  int64_t first = FloorStep(start, step, tz);
  // Buckets = boundaries strictly inside (first, end), plus the one at or after end.
  int64_t buckets = CountSteps(first + 1, end, step, tz) + 1;
  if (buckets > int64_t(max_buckets)) return TooMany(buckets, interval, max_buckets);
  std::vector<int64_t> edges{first};
  edges.reserve(size_t(buckets) + 1);
  while (edges.back() < end) edges.push_back(NextStep(edges.back(), step, tz));
  return edges;
}

Result<std::vector<int64_t>> UnitEdges(int64_t start, int64_t end, Unit unit, Interval interval,
                                       const date::time_zone* tz, size_t max_buckets) {
  // The adjustments only matter where the wall clock runs backwards across
  // midnight; unit starts are ascending, so they end after a step or two.
  int64_t u0 = unit.of(start, tz);
  while (unit.start(u0, tz) > start) --u0;
  while (unit.start(u0 + 1, tz) <= start) ++u0;
  int64_t u1 = unit.of(end, tz);
  while (unit.start(u1, tz) < end) ++u1;
  while (unit.start(u1 - 1, tz) >= end) --u1;
  if (u1 - u0 > int64_t(max_buckets)) return TooMany(u1 - u0, interval, max_buckets);
  std::vector<int64_t> edges;
  edges.reserve(size_t(u1 - u0) + 1);
  for (int64_t u = u0; u <= u1; ++u) {
    // A day skipped whole (Pacific/Apia, 2011-12-30) starts where the next
    // one does; keep one edge so no bucket is empty by construction.
    int64_t edge = unit.start(u, tz);
    if (edges.empty() || edge > edges.back()) edges.push_back(edge);
  }
  return edges;
}

}  // namespace

Result<const date::time_zone*> FindZone(std::string_view name) {
  try {
    if (!name.empty()) return date::locate_zone(name);
  } catch (const std::exception&) {
    // date throws std::runtime_error for unknown names; fall through.
  }
  return Status::InvalidArgument(fmt::format("unknown time zone \"{}\"", name));
}

Result<std::vector<int64_t>> BucketEdges(int64_t start_ms, int64_t end_ms, Interval interval,
                                         const date::time_zone* tz, size_t max_buckets) {
  assert(tz != nullptr);
  if (start_ms < kMinMs || end_ms > kMaxMs) {
    return Status::InvalidArgument("the range must lie within the years 1 to 9999");
  }
  if (end_ms <= start_ms) {
    return Status::InvalidArgument(fmt::format("the range end {} is not after its start {}",
                                               FormatRfc3339(end_ms), FormatRfc3339(start_ms)));
  }
  switch (interval) {
    case Interval::kRaw:
      return Status::InvalidArgument("interval raw has no buckets");
    case Interval::k15m:
      return StepEdges(start_ms, end_ms, 15 * 60'000, interval, tz, max_buckets);
    case Interval::k1h:
      return StepEdges(start_ms, end_ms, 60 * 60'000, interval, tz, max_buckets);
    case Interval::k1d:
      return UnitEdges(start_ms, end_ms, {LocalDay, DayStart}, interval, tz, max_buckets);
    case Interval::k1M:
      return UnitEdges(start_ms, end_ms, {MonthOf, MonthStart}, interval, tz, max_buckets);
  }
  return Status::Internal("unhandled interval");
}

}  // namespace metrify::query
