#include "vee/estimate_time.h"

#include <date/tz.h>

#include <chrono>
#include <exception>

namespace metrify::vee {
namespace {

using std::chrono::milliseconds;

date::sys_time<milliseconds> SysMs(int64_t utc_ms) {
  return date::sys_time<milliseconds>(milliseconds(utc_ms));
}

}  // namespace

const date::time_zone* FindEstimationZone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // date throws for unknown names; estimation treats that as "no method".
    return nullptr;
  }
}

LocalQuarter LocalQuarterOf(const date::time_zone* zone, int64_t utc_ms) {
  const date::local_time<milliseconds> local = zone->to_local(SysMs(utc_ms));
  const date::local_days day = date::floor<date::days>(local);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  return {date::year_month_day(day), static_cast<int>(minutes / 15)};
}

std::optional<int64_t> SameWallTimeDaysBefore(const date::time_zone* zone, int64_t utc_ms,
                                              int days) {
  // Local-time arithmetic ignores offsets: minus N days keeps the wall clock.
  const date::local_time<milliseconds> wall = zone->to_local(SysMs(utc_ms)) - date::days(days);
  const date::local_info info = zone->get_info(date::floor<std::chrono::seconds>(wall));
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  // Unique or ambiguous: `first` is the offset before any transition, which
  // for a repeated hour gives the earlier of its two instants.
  const milliseconds utc = wall.time_since_epoch() - info.first.offset;
  return utc.count();
}

}  // namespace metrify::vee
