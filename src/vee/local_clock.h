// LocalClock: UTC instants to a meter's local calendar (day, quarter hour of
// the day), fast enough to call per reading: the zone's current offset is
// cached until its next transition.
//
// Thread safety: none (it caches); one per thread or per meter run.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace date {
class time_zone;
}

namespace metrify::vee {

struct LocalTime {
  int64_t day = 0;     // local days since 1970-01-01
  int32_t second = 0;  // seconds since local midnight
};

class LocalClock {
 public:
  // Errors: InvalidArgument for an unknown zone.
  static Result<LocalClock> For(std::string_view zone);

  LocalTime At(int64_t utc_ms);
  // The local day an interval ending at `end_ms` belongs to: the day of its
  // last instant, so a reading stamped at local midnight is the previous
  // day's last.
  int64_t DayOfIntervalEnding(int64_t end_ms) { return At(end_ms - 1).day; }
  // UTC ms of local midnight starting local day `day` (the earliest instant
  // of that local date).
  int64_t DayStartUtc(int64_t day);

 private:
  explicit LocalClock(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;
  int64_t valid_from_ms_ = 1, valid_until_ms_ = 0;  // empty: nothing cached
  int64_t offset_ms_ = 0;
};

}  // namespace metrify::vee
