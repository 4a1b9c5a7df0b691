#include "vee/local_clock.h"

#include <date/tz.h>

#include <chrono>

#include "common/time.h"
#include "query/calendar.h"

namespace metrify::vee {

namespace {
constexpr int64_t kDayMs = 86'400'000;
}  // namespace

Result<LocalClock> LocalClock::For(std::string_view zone) {
  METRIFY_ASSIGN_OR_RETURN(const date::time_zone* z, query::FindZone(zone));
  return LocalClock(z);
}

LocalTime LocalClock::At(int64_t utc_ms) {
  if (utc_ms < valid_from_ms_ || utc_ms >= valid_until_ms_) {
    const date::sys_info info = zone_->get_info(
        date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(utc_ms)));
    offset_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(info.offset).count();
    valid_from_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(info.begin.time_since_epoch())
            .count();
    valid_until_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(info.end.time_since_epoch()).count();
  }
  const int64_t local = utc_ms + offset_ms_;
  const int64_t day = FloorDiv(local, kDayMs);
  return {day, static_cast<int32_t>((local - day * kDayMs) / 1000)};
}

int64_t LocalClock::DayStartUtc(int64_t day) {
  const date::local_days local{date::days(day)};
  // choose::earliest: a midnight that does not exist (a zone switching at
  // 00:00) resolves to the first instant of the day.
  const auto utc =
      zone_->to_sys(date::local_time<std::chrono::milliseconds>(local), date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::milliseconds>(utc.time_since_epoch()).count();
}

}  // namespace metrify::vee
