// Wall-clock arithmetic shared by the estimation methods (estimation.h):
// which local quarter hour an instant falls in, and the instant showing the
// same wall-clock time some local calendar days earlier. Internal to vee/.
//
// Thread safety: pure functions over immutable zones.
#pragma once

#include <date/date.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace date {
class time_zone;
}

namespace metrify::vee {

// The zone named `name`, or nullptr when the database has none (the methods
// then return nullopt). The pointer lives for the whole program.
const date::time_zone* FindEstimationZone(std::string_view name);

// A local date and its quarter hour counted from local midnight (0-95 on a
// 24-hour day; the wall clock decides, so 8-11 never occur on a Berlin
// spring-forward day and occur twice in autumn).
struct LocalQuarter {
  date::year_month_day day;
  int slot = 0;
};

// The local quarter hour containing `utc_ms`. REQUIRES: zone != nullptr.
LocalQuarter LocalQuarterOf(const date::time_zone* zone, int64_t utc_ms);

// The instant whose wall clock reads what it reads at `utc_ms`, `days` local
// calendar days earlier. nullopt when that wall-clock time did not exist on
// that day (the skipped spring hour); the earlier instant when it existed
// twice (the repeated autumn hour). REQUIRES: zone != nullptr.
std::optional<int64_t> SameWallTimeDaysBefore(const date::time_zone* zone, int64_t utc_ms,
                                              int days);

}  // namespace metrify::vee
